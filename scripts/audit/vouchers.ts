/**
 * Stage 3b: proof that each consumed voucher was signed by its holder, from chain data alone. The
 * VoucherConsumed event names the holder but carries no signature, so the audit fetches the
 * transaction, finds the consumeVoucher call in its input (sent directly by the merchant, or
 * relayed through the ERC-2771 forwarder's execute/executeBatch), rebuilds the EIP-712 digest
 * from the catalog's own domain (eip712Domain() on chain) and recovers the signer. A holder that is
 * a contract is asked through ERC-1271 (isValidSignature at the block before).
 */
import {
  decodeFunctionData,
  decodeFunctionResult,
  encodeFunctionData,
  hashTypedData,
  parseAbi,
  recoverAddress,
  type Hex,
} from "viem";
import { loyaltyForwarderAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import type { Fact } from "./derive-ledger.ts";
import { voucherKey, type VoucherProof } from "./check-rules.ts";
import { toHex, type Rpc } from "./rpc.ts";
import { voucherUseTypes } from "../../contracts/typed-data.ts";

const ERC1271_ABI = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const ERC1271_MAGIC = "0x1626ba7e";

export interface VoucherDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: Hex;
}

interface Tx {
  hash: Hex;
  from: Hex;
  to: Hex | null;
  input: Hex;
  blockNumber: Hex;
}

interface VoucherCall {
  merchant: string;
  tokenId: bigint;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
  via: string;
}

/** consumeVoucher calls in a transaction's input (direct, or inside forwarder requests). */
export function voucherCalls(tx: Pick<Tx, "from" | "to" | "input">, rewards: string, forwarder: string): VoucherCall[] {
  const to = tx.to?.toLowerCase();
  const fromCatalogCall = (data: Hex, merchant: string, via: string): VoucherCall[] => {
    try {
      const call = decodeFunctionData({ abi: rewardNftAbi, data });
      if (call.functionName !== "consumeVoucher") return [];
      const [tokenId, nonce, deadline, signature] = call.args as readonly [bigint, bigint, bigint, Hex];
      return [{ merchant: merchant.toLowerCase(), tokenId, nonce, deadline, signature, via }];
    } catch {
      return [];
    }
  };
  if (to === rewards) return fromCatalogCall(tx.input, tx.from, "direct call");
  if (to === forwarder) {
    try {
      const call = decodeFunctionData({ abi: loyaltyForwarderAbi, data: tx.input });
      const requests =
        call.functionName === "execute" ? [call.args[0]] : call.functionName === "executeBatch" ? [...call.args[0]] : [];
      return requests.flatMap((r) =>
        (r as { to: string }).to.toLowerCase() === rewards
          ? fromCatalogCall((r as { data: Hex }).data, (r as { from: string }).from, "relayed by the forwarder")
          : [],
      );
    } catch {
      return [];
    }
  }
  return [];
}

export function voucherDigest(domain: VoucherDomain, v: { tokenId: bigint; holder: string; merchant: string; nonce: bigint; deadline: bigint }) {
  return hashTypedData({
    domain,
    types: voucherUseTypes,
    primaryType: "VoucherUse",
    message: { tokenId: v.tokenId, holder: v.holder as Hex, merchant: v.merchant as Hex, nonce: v.nonce, deadline: v.deadline },
  });
}

export async function readVoucherDomain(rpc: Rpc, rewards: string, block: string): Promise<VoucherDomain> {
  const data = encodeFunctionData({ abi: rewardNftAbi, functionName: "eip712Domain" });
  const result = await rpc.call<Hex>("eth_call", [{ to: rewards, data }, block]);
  const [, name, version, chainId, verifyingContract] = decodeFunctionResult({ abi: rewardNftAbi, functionName: "eip712Domain", data: result });
  return { name, version, chainId, verifyingContract };
}

export async function proveVouchers(
  rpc: Rpc,
  facts: readonly Fact[],
  options: { rewards: string; forwarder: string; domain: VoucherDomain },
): Promise<Map<string, VoucherProof>> {
  const vouchers = facts.filter((f): f is Fact & { kind: "voucher" } => f.kind === "voucher");
  const proofs = new Map<string, VoucherProof>();
  if (!vouchers.length) return proofs;
  const hashes = [...new Set(vouchers.map((v) => v.event.txHash))];
  const txs = await rpc.batch<Tx | null>(hashes.map((h) => ({ method: "eth_getTransactionByHash", params: [h] })));
  const byHash = new Map(hashes.map((h, i) => [h, txs[i]]));

  for (const v of vouchers) {
    const key = voucherKey(v.event.txHash, v.tokenId);
    const tx = byHash.get(v.event.txHash);
    const base = { txHash: v.event.txHash, tokenId: v.tokenId };
    if (!tx) {
      proofs.set(key, { ...base, signer: null, deadline: null, via: "none", problem: "the node does not know the transaction" });
      continue;
    }
    const calls = voucherCalls(tx, options.rewards, options.forwarder).filter((c) => c.tokenId === v.tokenId);
    const call = calls.find((c) => c.nonce === (v.event.args.nonce as bigint)) ?? calls[0];
    if (!call) {
      proofs.set(key, {
        ...base, signer: null, deadline: null, via: "none",
        problem: `no consumeVoucher(${v.tokenId}) in the input of the transaction (sent to ${tx.to}); a call from another contract cannot be proven without traces`,
      });
      continue;
    }
    const digest = voucherDigest(options.domain, { tokenId: v.tokenId, holder: v.holder, merchant: call.merchant, nonce: call.nonce, deadline: call.deadline });
    let signer: string | null = null;
    let via = `ECDSA, ${call.via}`;
    try {
      signer = (await recoverAddress({ hash: digest, signature: call.signature })).toLowerCase();
    } catch {
      signer = null;
    }
    if (signer !== v.holder) {
      const code = await rpc.call<Hex>("eth_getCode", [v.holder, tx.blockNumber]);
      if (code && code !== "0x") {
        const data = encodeFunctionData({ abi: ERC1271_ABI, functionName: "isValidSignature", args: [digest, call.signature] });
        const before = toHex(BigInt(tx.blockNumber) - 1n);
        const answer = await rpc.call<Hex>("eth_call", [{ to: v.holder, data }, before]).catch(() => "0x" as Hex);
        if (answer.slice(0, 10).toLowerCase() === ERC1271_MAGIC) {
          signer = v.holder;
          via = `ERC-1271, ${call.via}`;
        }
      }
    }
    proofs.set(key, { ...base, signer, deadline: call.deadline, via, problem: signer === null ? "the signature does not recover" : undefined });
  }
  return proofs;
}
