/**
 * The wallet libraries, loaded on demand (./index.ts imports this file dynamically): wagmi's config
 * for the program's chain, the browser's EIP-6963 wallets, and what a wallet user does with them —
 * connect, Sign-In with Ethereum, a member's gasless (relayed) contract calls and voucher
 * signatures, a merchant's direct writes.
 */
import type { Abi, Address, Hash, Hex, PublicClient } from "viem";
import { encodeFunctionData } from "viem";
import { createSiweMessage } from "viem/siwe";
import {
  connect,
  disconnect,
  getConnection,
  getConnectors,
  getPublicClient,
  reconnect,
  signMessage,
  signTypedData,
  simulateContract,
  switchChain,
  watchConnection,
  watchConnectors,
  writeContract,
} from "wagmi/actions";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes, voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import { estimateForwardedGas, forwardRequestMessage, signedRequest } from "@/lib/custody/forward.ts";
import { postJson } from "@/lib/post-json.ts";
import { ApiError } from "@/lib/tx-errors.ts";
import { makeWagmiConfig, type ChainInfo } from "@/lib/wagmi.ts";
import type { WalletState } from "./index.ts";

/** Seconds a self-custody member's forward request stays valid (time to read and sign it). */
const WALLET_FORWARD_TTL = 10 * 60;

export interface VoucherRequest {
  tokenId: bigint;
  merchant: Address;
  nonce: bigint;
  deadline: bigint;
}

export type MemberCall = { contract: "points"; functionName: "transfer" | "donate"; args: readonly [Address, bigint] } | { contract: "rewards"; functionName: "redeem"; args: readonly [bigint] };

export type Wallet = ReturnType<typeof createWallet>;

export function createWallet(chain: ChainInfo, publish: (state: WalletState) => void) {
  const config = makeWagmiConfig(chain);
  const snapshot = (): WalletState => {
    const c = getConnection(config);
    return {
      ready: true,
      address: c.status === "connected" ? c.address : undefined,
      chainId: c.chainId,
      connectors: getConnectors(config).map((x) => ({ uid: x.uid, name: x.name, icon: x.icon })),
    };
  };
  publish(snapshot());
  watchConnection(config, { onChange: () => publish(snapshot()) });
  watchConnectors(config, { onChange: () => publish(snapshot()) });
  // A wallet connected before (wagmi's storage) reconnects, if it still lists the account.
  void reconnect(config);

  const ensureChain = async () => {
    if (getConnection(config).chainId !== chain.chainId) await switchChain(config, { chainId: chain.chainId });
  };

  return {
    /** Connects the wallet `uid` (or the first one); its first account. `none`: the error when the browser has no wallet. */
    async connect(uid: string | undefined, none: string): Promise<Address> {
      const connectors = getConnectors(config);
      const connector = connectors.find((c) => c.uid === uid) ?? connectors[0];
      if (!connector) throw new Error(none);
      const result = await connect(config, { connector, chainId: chain.chainId });
      return result.accounts[0]!;
    },

    async disconnect(): Promise<void> {
      if (getConnection(config).status === "connected") await disconnect(config).catch(() => {});
    },

    signMessage(account: Address, message: string): Promise<Hex> {
      return signMessage(config, { message, account });
    },

    /** The Sign-In with Ethereum message for `address` on this site, signed by the wallet. */
    async signIn(address: Address, statement: string, nonce: string): Promise<{ message: string; signature: Hex }> {
      const message = createSiweMessage({
        domain: window.location.host,
        address,
        statement,
        uri: window.location.origin,
        version: "1",
        chainId: chain.chainId,
        nonce,
        issuedAt: new Date(),
        expirationTime: new Date(Date.now() + 10 * 60_000),
      });
      return { message, signature: await signMessage(config, { message, account: address }) };
    },

    /**
     * A self-custody member's call: simulated as the member first (the contract's own checks,
     * reasons decoded), then signed as an ERC-2771 forward request that the platform's relayer
     * submits (no gas). When this server has no relayer, the wallet sends it itself.
     */
    async memberCall(account: Address, call: MemberCall): Promise<Hash> {
      await ensureChain();
      const full = call.contract === "points" ? { address: chain.points, abi: loyaltyPointsAbi, functionName: call.functionName, args: call.args } : { address: chain.rewards, abi: rewardNftAbi, functionName: call.functionName, args: call.args };
      const { request } = await simulateContract(config, { ...full, account } as never);
      const client = getPublicClient(config) as PublicClient;
      const data = encodeFunctionData(full as never);
      const gas = await estimateForwardedGas(client, chain.forwarder, account, { to: full.address, data });
      const message = await forwardRequestMessage(client, chain.forwarder, account, { to: full.address, data, gas }, WALLET_FORWARD_TTL);
      const signature = await signTypedData(config, { account, domain: forwarderDomain(chain.chainId, chain.forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
      try {
        return (await postJson<{ hash: Hash }>("/api/relay", { request: signedRequest(message, signature) })).hash;
      } catch (e) {
        // No relayer on this server: the wallet sends it itself (the signed request is then unused
        // and expires with its deadline).
        if (e instanceof ApiError && (e.status === 404 || e.code === "relayer_unavailable")) return writeContract(config, request as never);
        throw e;
      }
    },

    async signVoucher(account: Address, v: VoucherRequest): Promise<Hex> {
      await ensureChain();
      return signTypedData(config, {
        account,
        domain: voucherDomain(chain.chainId, chain.rewards),
        types: voucherUseTypes,
        primaryType: "VoucherUse",
        message: { tokenId: v.tokenId, holder: account, merchant: v.merchant, nonce: v.nonce, deadline: v.deadline },
      });
    },

    /** A merchant's write: simulated (the chain's own checks, reasons decoded), then sent from the connected wallet. */
    async write(account: Address, call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[] }): Promise<Hash> {
      await ensureChain();
      const { request } = await simulateContract(config, { ...call, account } as never);
      return writeContract(config, request as never);
    },
  };
}
