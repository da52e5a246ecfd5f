/**
 * The server's own view of the chain: role checks (never trusted from the browser), the audit's
 * balanceOf/totalSupply at a given block, and receipts for the transaction view. Point lookups only:
 * pages never scan the chain for their data.
 */
import "server-only";
import { createPublicClient, defineChain, http, parseEventLogs, type Address, type Hash, type PublicClient } from "viem";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { MERCHANT_ROLE } from "../../../contracts/spec/index.ts";
import { chainId, deployment, rpcUrl } from "../config.ts";

const g = globalThis as unknown as { __webChain?: PublicClient };

export function chainClient(): PublicClient {
  if (g.__webChain) return g.__webChain;
  const id = chainId();
  const chain = defineChain({
    id,
    name: id === 31337 ? "Hardhat" : `Chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl()] } },
  });
  g.__webChain = createPublicClient({
    chain,
    transport: http(rpcUrl(), { batch: { batchSize: 500, wait: 0 }, timeout: 20_000, maxResponseBodySize: 64 * 1024 * 1024 }),
    cacheTime: 0,
  }) as PublicClient;
  return g.__webChain;
}

/** Whether `account` holds the merchant role on LoyaltyPoints right now (asked to the chain). */
export async function isMerchantOnChain(account: Address): Promise<boolean> {
  return chainClient().readContract({
    address: deployment().contracts.LoyaltyPoints.address,
    abi: loyaltyPointsAbi,
    functionName: "hasRole",
    args: [MERCHANT_ROLE, account],
  });
}

export async function totalSupplyAt(block: bigint): Promise<bigint> {
  return chainClient().readContract({ address: deployment().contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "totalSupply", blockNumber: block });
}

/** balanceOf of many accounts at `block`, in JSON-RPC batches. */
export async function balancesAt(accounts: string[], block: bigint): Promise<Map<string, bigint>> {
  const client = chainClient();
  const points = deployment().contracts.LoyaltyPoints.address;
  const out = new Map<string, bigint>();
  const chunk = 500;
  for (let i = 0; i < accounts.length; i += chunk) {
    const slice = accounts.slice(i, i + chunk);
    const values = await Promise.all(
      slice.map((a) => client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a as Address], blockNumber: block })),
    );
    slice.forEach((a, j) => out.set(a.toLowerCase(), values[j]!));
  }
  return out;
}

export interface DecodedEvent {
  contract: string;
  name: string;
  logIndex: number;
  args: [string, string][];
}

export interface TxView {
  hash: Hash;
  found: boolean;
  status: "success" | "reverted" | "pending" | "unknown";
  blockNumber: bigint | null;
  blockTime: Date | null;
  from: string | null;
  to: string | null;
  gasUsed: bigint | null;
  events: DecodedEvent[];
}

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (value && typeof value === "object") return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join(", ")} }`;
  return String(value);
}

export async function getTransactionView(hash: Hash): Promise<TxView> {
  const client = chainClient();
  const d = deployment();
  const names = new Map<string, string>(Object.entries(d.contracts).map(([name, c]) => [c.address.toLowerCase(), name]));
  const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
  if (!receipt) {
    const tx = await client.getTransaction({ hash }).catch(() => null);
    return { hash, found: tx !== null, status: tx ? "pending" : "unknown", blockNumber: null, blockTime: null, from: tx?.from ?? null, to: tx?.to ?? null, gasUsed: null, events: [] };
  }
  const ours = receipt.logs.filter((l) => names.has(l.address.toLowerCase()));
  const parsed = parseEventLogs({ abi: [...loyaltyPointsAbi, ...rewardNftAbi, ...loyaltyForwarderAbi], logs: ours, strict: false });
  const block = await client.getBlock({ blockNumber: receipt.blockNumber }).catch(() => null);
  return {
    hash,
    found: true,
    status: receipt.status,
    blockNumber: receipt.blockNumber,
    blockTime: block ? new Date(Number(block.timestamp) * 1000) : null,
    from: receipt.from,
    to: receipt.to,
    gasUsed: receipt.gasUsed,
    events: parsed.map((e) => ({
      contract: names.get(e.address.toLowerCase()) ?? e.address,
      name: e.eventName ?? "?",
      logIndex: e.logIndex,
      args: Object.entries((e.args ?? {}) as Record<string, unknown>).map(([k, v]) => [k, show(v)] as [string, string]),
    })),
  };
}
