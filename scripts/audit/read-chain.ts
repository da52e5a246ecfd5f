/**
 * Reads of the chain other than logs: which chain and block the audit pins, that the deployment's
 * contracts are there (code hashes), and the contracts' views at the pinned block (balanceOf,
 * lifetimeEarned, tierOf, totalSupply, thresholds, allowances…) as plain eth_call in JSON-RPC
 * batches — no multicall contract, so any EVM node answers.
 */
import {
  decodeFunctionResult,
  encodeFunctionData,
  keccak256,
  toFunctionSelector,
  type Abi,
  type AbiFunction,
  type Hex,
} from "viem";
import type { Deployment } from "../../contracts/deployments.ts";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { toHex, type Rpc } from "./rpc.ts";

export class AuditSetupError extends Error {
  override name = "AuditSetupError";
}

export interface PinnedBlock {
  number: number;
  hash: Hex;
  timestamp: number;
  head: number;
}

export interface ContractStamp {
  name: string;
  address: string;
  codeHash: Hex;
  codeSize: number;
}

interface Block {
  number: Hex;
  hash: Hex;
  timestamp: Hex;
}

export async function chainId(rpc: Rpc): Promise<number> {
  return Number(await rpc.call<Hex>("eth_chainId"));
}

/** The block the audit is pinned to: `--block`, or the head. Beyond the head is an error. */
export async function pinBlock(rpc: Rpc, requested?: number): Promise<PinnedBlock> {
  const head = Number(await rpc.call<Hex>("eth_blockNumber"));
  const number = requested ?? head;
  if (number > head) throw new AuditSetupError(`--block ${number} is beyond the chain head (block ${head})`);
  const block = await rpc.call<Block | null>("eth_getBlockByNumber", [toHex(number), false]);
  if (!block) throw new AuditSetupError(`the node has no block ${number}`);
  return { number, hash: block.hash, timestamp: Number(block.timestamp), head };
}

export async function blockHashAt(rpc: Rpc, number: number): Promise<Hex | null> {
  const block = await rpc.call<Block | null>("eth_getBlockByNumber", [toHex(number), false]);
  return block?.hash ?? null;
}

/** Timestamps of the given blocks (headers in JSON-RPC batches). */
export async function blockTimestamps(rpc: Rpc, numbers: readonly number[]): Promise<Map<number, number>> {
  const blocks = await rpc.batch<Block | null>(numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [toHex(n), false] })));
  const out = new Map<number, number>();
  blocks.forEach((b, i) => {
    if (!b) throw new AuditSetupError(`the node has no block ${numbers[i]}`);
    out.set(numbers[i], Number(b.timestamp));
  });
  return out;
}

const call = (abi: Abi, functionName: string, args: unknown[] = []) => encodeFunctionData({ abi, functionName, args } as never);

/**
 * Checks that the deployment describes this chain and that each contract is there and answers as
 * itself; returns the contracts' code hashes (keccak256 of eth_getCode at the pinned block).
 */
export async function verifyDeployment(rpc: Rpc, d: Deployment, chain: number, block: PinnedBlock): Promise<ContractStamp[]> {
  if (d.chainId !== chain) throw new AuditSetupError(`the deployment is for chain ${d.chainId}, the RPC serves chain ${chain}`);
  if (d.startBlock > block.number) throw new AuditSetupError(`block ${block.number} is before the deployment (block ${d.startBlock})`);
  const genesis = await blockHashAt(rpc, 0);
  if (genesis && d.genesisHash && genesis !== d.genesisHash) {
    throw new AuditSetupError(`chain ${chain} has genesis ${genesis}, the deployment was made on genesis ${d.genesisHash} (another chain or a restarted node)`);
  }
  const names = ["LoyaltyForwarder", "LoyaltyPoints", "RewardNFT"] as const;
  const at = toHex(block.number);
  const codes = await rpc.batch<Hex>(names.map((n) => ({ method: "eth_getCode", params: [d.contracts[n].address, at] })));
  const stamps = names.map((name, i) => {
    const code = codes[i];
    if (!code || code === "0x") {
      throw new AuditSetupError(`no contract code at ${d.contracts[name].address} (${name} in the deployment) on chain ${chain} at block ${block.number}`);
    }
    return { name, address: d.contracts[name].address.toLowerCase(), codeHash: keccak256(code), codeSize: (code.length - 2) / 2 };
  });
  // Each contract must answer as itself: the catalog names the points contract, the points
  // contract answers its own views, and the catalog answers the EIP-712 domain of vouchers.
  const points = d.contracts.LoyaltyPoints.address;
  const rewards = d.contracts.RewardNFT.address;
  const probes = await rpc.settle<Hex>([
    { method: "eth_call", params: [{ to: rewards, data: call(rewardNftAbi as Abi, "points") }, at] },
    { method: "eth_call", params: [{ to: points, data: call(loyaltyPointsAbi as Abi, "tierThresholds") }, at] },
    { method: "eth_call", params: [{ to: points, data: call(loyaltyPointsAbi as Abi, "REDEEMER_ROLE") }, at] },
  ]);
  const ok = (i: number) => "result" in probes[i] && (probes[i] as { result: Hex }).result !== "0x";
  if (!ok(1) || !ok(2)) throw new AuditSetupError(`the contract at ${points} does not answer as LoyaltyPoints (wrong address in the deployment?)`);
  if (!ok(0)) throw new AuditSetupError(`the contract at ${rewards} does not answer as RewardNFT (wrong address in the deployment?)`);
  const named = `0x${(probes[0] as { result: Hex }).result.slice(26)}`.toLowerCase();
  if (named !== points.toLowerCase()) {
    throw new AuditSetupError(`the RewardNFT at ${rewards} belongs to the points contract ${named}, not to ${points} (wrong address in the deployment?)`);
  }
  return stamps;
}

// ---------------------------------------------------------------- views at the pinned block

const fn = (abi: Abi, name: string) => abi.find((i): i is AbiFunction => i.type === "function" && i.name === name)!;
const SEL = {
  balanceOf: toFunctionSelector(fn(loyaltyPointsAbi as Abi, "balanceOf")),
  lifetimeEarned: toFunctionSelector(fn(loyaltyPointsAbi as Abi, "lifetimeEarned")),
  tierOf: toFunctionSelector(fn(loyaltyPointsAbi as Abi, "tierOf")),
  issuanceAllowance: toFunctionSelector(fn(loyaltyPointsAbi as Abi, "issuanceAllowance")),
};
const withAddress = (selector: Hex, address: string) => `${selector}${address.slice(2).toLowerCase().padStart(64, "0")}`;

export interface AccountView {
  balance: bigint;
  lifetimeEarned: bigint;
  tier: bigint;
}

export interface ProgramView {
  totalSupply: bigint;
  thresholds: bigint[];
  inactivityPeriod: bigint;
  allowances: Map<string, bigint>;
  /** Tokens minted per reward (getReward(id).minted). */
  rewardsMinted: Map<bigint, bigint>;
}

/** balanceOf, lifetimeEarned and tierOf of every account at the block: 3 eth_call each, batched. */
export async function readAccounts(rpc: Rpc, points: string, accounts: readonly string[], block: number): Promise<Map<string, AccountView>> {
  const at = toHex(block);
  const requests = [];
  for (const a of accounts) {
    requests.push(
      { method: "eth_call", params: [{ to: points, data: withAddress(SEL.balanceOf, a) }, at] },
      { method: "eth_call", params: [{ to: points, data: withAddress(SEL.lifetimeEarned, a) }, at] },
      { method: "eth_call", params: [{ to: points, data: withAddress(SEL.tierOf, a) }, at] },
    );
  }
  const results = await rpc.batch<Hex>(requests);
  const out = new Map<string, AccountView>();
  accounts.forEach((a, i) => {
    out.set(a, { balance: BigInt(results[3 * i]), lifetimeEarned: BigInt(results[3 * i + 1]), tier: BigInt(results[3 * i + 2]) });
  });
  return out;
}

export async function readProgram(
  rpc: Rpc,
  d: { points: string; rewards: string },
  merchants: readonly string[],
  rewardIds: readonly bigint[],
  block: number,
): Promise<ProgramView> {
  const at = toHex(block);
  const P = loyaltyPointsAbi as Abi;
  const R = rewardNftAbi as Abi;
  const results = await rpc.batch<Hex>([
    { method: "eth_call", params: [{ to: d.points, data: call(P, "totalSupply") }, at] },
    { method: "eth_call", params: [{ to: d.points, data: call(P, "tierThresholds") }, at] },
    { method: "eth_call", params: [{ to: d.points, data: call(P, "inactivityPeriod") }, at] },
    ...merchants.map((m) => ({ method: "eth_call", params: [{ to: d.points, data: withAddress(SEL.issuanceAllowance, m) }, at] })),
    ...rewardIds.map((id) => ({ method: "eth_call", params: [{ to: d.rewards, data: call(R, "getReward", [id]) }, at] })),
  ]);
  const thresholds = decodeFunctionResult({ abi: P, functionName: "tierThresholds", data: results[1] }) as readonly bigint[];
  const allowances = new Map(merchants.map((m, i) => [m, BigInt(results[3 + i])]));
  const rewardsMinted = new Map(
    rewardIds.map((id, i) => {
      const r = decodeFunctionResult({ abi: R, functionName: "getReward", data: results[3 + merchants.length + i] }) as { minted: bigint };
      return [id, BigInt(r.minted)];
    }),
  );
  return { totalSupply: BigInt(results[0]), thresholds: [...thresholds], inactivityPeriod: BigInt(results[2]), allowances, rewardsMinted };
}
