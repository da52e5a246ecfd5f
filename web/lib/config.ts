/**
 * Server-side configuration of the web app, from the environment:
 *   DATABASE_URL    the indexer's Postgres mirror (required to render data)
 *   RPC_URL         the chain's JSON-RPC endpoint (default http://127.0.0.1:8545)
 *   CHAIN_ID        which deployment of contracts/generated/contracts.ts to use (default 31337)
 *   SESSION_SECRET  HMAC key of the session cookies (a random one per process when unset, dev only)
 *   EXPLORER_TX_URL optional public explorer prefix; the app's own /tx/<hash> view is always there
 */
import "server-only";
import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import { deployments } from "../../contracts/generated/contracts.ts";

export interface PublicConfig {
  chainId: number;
  chainName: string;
  points: Address;
  rewards: Address;
  forwarder: Address;
}

export function chainId(): number {
  const raw = process.env.CHAIN_ID ?? "31337";
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`CHAIN_ID must be a positive integer, got ${raw}`);
  return id;
}

export function rpcUrl(): string {
  return process.env.RPC_URL ?? "http://127.0.0.1:8545";
}

export function databaseUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export class NotDeployedError extends Error {
  override name = "NotDeployedError";
}

export function deployment() {
  const id = chainId();
  const d = deployments[id];
  if (!d) throw new NotDeployedError(`no deployment for chain ${id} in contracts/generated/contracts.ts: deploy first (npm run dev)`);
  return d;
}

export function publicConfig(): PublicConfig {
  const d = deployment();
  return {
    chainId: d.chainId,
    chainName: d.chainId === 31337 ? "Hardhat (local)" : `Chain ${d.chainId}`,
    points: d.contracts.LoyaltyPoints.address,
    rewards: d.contracts.RewardNFT.address,
    forwarder: d.contracts.LoyaltyForwarder.address,
  };
}

const g = globalThis as unknown as { __sessionSecret?: Buffer };

export function sessionSecret(): Buffer {
  const env = process.env.SESSION_SECRET;
  if (env) {
    if (env.length < 32) throw new Error("SESSION_SECRET must be at least 32 characters");
    return Buffer.from(env);
  }
  if (process.env.NODE_ENV === "production" && process.env.REQUIRE_SESSION_SECRET === "1") {
    throw new Error("SESSION_SECRET is required");
  }
  g.__sessionSecret ??= randomBytes(32);
  return g.__sessionSecret;
}
