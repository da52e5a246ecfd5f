/**
 * The relayer of this server process: a funded account (RELAYER_PRIVATE_KEY, never logged) that pays
 * the gas of members' forwarded requests and of the platform's own calls as merchants' issuing agent.
 * Postgres-backed (relayer_accounts, relayer_txs): see relayer.ts for how nonces, retries and
 * recovery work.
 */
import "server-only";
import { privateKeyToAccount } from "viem/accounts";
import { createPublicClient, http, type Hex, type PublicClient } from "viem";
import { chainClient } from "../chain/server.ts";
import { chainId, deployment, rpcUrl } from "../config.ts";
import { queries } from "../data/db.ts";
import { PgRelayer, type PoolLike } from "./relayer.ts";
import type { Relayer } from "./types.ts";

export { RelayRejectedError } from "./types.ts";
export type { RelayedTx, Relayer, SignedForwardRequest } from "./types.ts";

export class RelayerNotConfiguredError extends Error {
  override name = "RelayerNotConfiguredError";
}

const g = globalThis as unknown as { __relayer?: { key: string; relayer: PgRelayer }; __relayerClient?: PublicClient };

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

export function relayer(): Relayer {
  const d = deployment();
  // One per deployment: a redeployed local chain (new addresses) gets a fresh relayer.
  const key = `${d.chainId}:${d.contracts.LoyaltyPoints.address}`;
  if (g.__relayer?.key === key) return g.__relayer.relayer;
  void g.__relayer?.relayer.stop();
  const relayer = new PgRelayer({
    pool: queries().pool as unknown as PoolLike,
    client: relayerClient(),
    account: privateKeyToAccount(relayerKey()),
    chainId: chainId(),
    contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address },
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
