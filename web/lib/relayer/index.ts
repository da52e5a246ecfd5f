/**
 * The relayer of this server process: a funded account (RELAYER_PRIVATE_KEY, never logged) that pays
 * the gas of members' forwarded requests and of the platform's own calls as merchants' issuing agent.
 * Postgres-backed (relayer_accounts, relayer_txs) through a pool of its own, so that pages' reads
 * and the relayer's nonce transactions never wait for each other: see relayer.ts for how its parts
 * fit. Its limits, from the environment (defaults in options.ts):
 *   RELAYER_QUOTA_PER_MEMBER     members' requests per hour per address and per signed-in account (120)
 *   RELAYER_QUOTA_PER_IP         members' requests per hour per client address (600)
 *   RELAYER_GAS_BUDGET_PER_HOUR  gas of members' requests per hour, all together (200,000,000)
 *   RELAYER_LOW_BALANCE_WEI      below this balance it warns in the logs (0.05 ether)
 */
import "server-only";
import type pg from "pg";
import { privateKeyToAccount } from "viem/accounts";
import { createPublicClient, http, type Hex, type PublicClient } from "viem";
import { createPool } from "../../../indexer/database/pool.ts";
import { chainClient } from "../chain/server.ts";
import { chainId, databaseUrl, deployment, rpcUrl } from "../config.ts";
import { NoDatabaseError } from "../data/db.ts";
import { ServiceUnavailableError } from "../edge/errors.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { DEFAULT_FORWARD_GAS_BUDGET, DEFAULT_LOW_BALANCE_WEI, DEFAULT_QUOTAS } from "./options.ts";
import { PgRelayer } from "./relayer.ts";

export { RelayRejectedError } from "./types.ts";
export type { RelayedTx, Relayer, SignedForwardRequest } from "./types.ts";

export class RelayerNotConfiguredError extends ServiceUnavailableError {
  override name = "RelayerNotConfiguredError";
  constructor(detail: string) {
    super("relayer_unavailable", "the relayer is not configured on this server", detail);
  }
}

const g = globalThis as unknown as { __relayer?: { key: string; relayer: PgRelayer }; __relayerClient?: PublicClient; __relayerPool?: pg.Pool };

/**
 * The relayer's own connections: each nonce batch holds one for its transaction (the nonce row
 * locked), the receipt watcher and the quotas use the others.
 */
function relayerPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__relayerPool ??= createPool({ connectionString: url, max: 10, name: "relayer" });
  return g.__relayerPool as unknown as PoolLike;
}

/**
 * The chain client of the relayer and the purchase API: JSON-RPC calls made within 2 ms of each other
 * travel in one HTTP request. Under load (many purchases at once) that halves the node's and this
 * server's per-call overhead, for at most 2 ms of added latency.
 */
export function relayerClient(): PublicClient {
  g.__relayerClient ??= createPublicClient({
    chain: chainClient().chain,
    transport: http(rpcUrl(), { batch: { batchSize: 200, wait: 2 }, timeout: 20_000 }),
    cacheTime: 0,
  }) as PublicClient;
  return g.__relayerClient;
}

/** The relayer's key, checked (32 bytes hex); the message never contains the value. */
function relayerKey(): Hex {
  const raw = process.env.RELAYER_PRIVATE_KEY?.trim();
  if (!raw) throw new RelayerNotConfiguredError("RELAYER_PRIVATE_KEY is not set");
  const key = raw.startsWith("0x") ? raw : `0x${raw}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new RelayerNotConfiguredError("RELAYER_PRIVATE_KEY must be 32 bytes of hex");
  return key as Hex;
}

/** A whole number from the environment, or `fallback`; a malformed value stops the relayer (loudly). */
function envInteger(name: string, fallback: bigint): bigint {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d{1,78}$/.test(raw)) throw new RelayerNotConfiguredError(`${name} must be a whole number`);
  return BigInt(raw);
}

function limitsFromEnv() {
  const perMember = Number(envInteger("RELAYER_QUOTA_PER_MEMBER", BigInt(DEFAULT_QUOTAS.perAddress.max)));
  return {
    quotas: {
      perAddress: { max: perMember, windowSeconds: 3600 },
      perAccount: { max: perMember, windowSeconds: 3600 },
      perIp: { max: Number(envInteger("RELAYER_QUOTA_PER_IP", BigInt(DEFAULT_QUOTAS.perIp.max))), windowSeconds: 3600 },
    },
    forwardGasBudget: { maxGas: envInteger("RELAYER_GAS_BUDGET_PER_HOUR", DEFAULT_FORWARD_GAS_BUDGET.maxGas), windowSeconds: 3600 },
    lowBalanceWei: envInteger("RELAYER_LOW_BALANCE_WEI", DEFAULT_LOW_BALANCE_WEI),
  };
}

export function relayer(): PgRelayer {
  const d = deployment();
  // One per deployment: a redeployed local chain (new addresses) gets a fresh relayer.
  const key = `${d.chainId}:${d.contracts.LoyaltyPoints.address}`;
  if (g.__relayer?.key === key) return g.__relayer.relayer;
  void g.__relayer?.relayer.stop();
  const relayer = new PgRelayer({
    pool: relayerPool(),
    client: relayerClient(),
    account: privateKeyToAccount(relayerKey()),
    chainId: chainId(),
    contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address },
    ...limitsFromEnv(),
  });
  g.__relayer = { key, relayer };
  return relayer;
}

/** The relayer's address without starting it (for displays); null when not configured. */
export function relayerAddress(): `0x${string}` | null {
  try {
    return privateKeyToAccount(relayerKey()).address;
  } catch {
    return null;
  }
}
