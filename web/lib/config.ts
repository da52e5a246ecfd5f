/**
 * Server-side configuration of the web app, from the environment:
 *   DATABASE_URL    the indexer's Postgres mirror; unset: the indexer's embedded Postgres of
 *                   `npm run dev` (its port in .data/postgres.port of the repository)
 *   RPC_URL         the chain's JSON-RPC endpoint (default http://127.0.0.1:8545)
 *   CHAIN_ID        which deployment of contracts/generated/contracts.ts to use (default 31337)
 *   APP_URL, SESSION_SECRET, TRUST_PROXY: where the site is and whom it trusts (./env.ts, which
 *                   the production server checks at start-up)
 *   DEPLOYMENT_FILE the deployment record (default deployments/<CHAIN_ID>.json of the repository,
 *                   read at run time so that a redeployed local chain needs no rebuild; else the
 *                   generated contracts module's copy)
 */
import { ServiceUnavailableError } from "./edge/errors.ts";
import "server-only";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Address } from "viem";
import { parseDeployment, type Deployment } from "../../contracts/deployments.ts";
import { deployments } from "../../contracts/generated/contracts.ts";
import { embeddedDatabaseUrl } from "../../indexer/database/embedded-url.ts";
import { configuredSessionSecret } from "./env.ts";

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
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  for (const root of [process.cwd(), path.resolve(process.cwd(), "..")]) {
    const url = embeddedDatabaseUrl(path.join(root, ".data"));
    if (url) return url;
  }
  return undefined;
}

export class NotDeployedError extends ServiceUnavailableError {
  override name = "NotDeployedError";
  constructor(detail: string) {
    super("not_deployed", "the program is not deployed on this network", detail);
  }
}

function deploymentFile(id: number): string | null {
  if (process.env.DEPLOYMENT_FILE) return process.env.DEPLOYMENT_FILE;
  for (const root of [process.cwd(), path.resolve(process.cwd(), "..")]) {
    const file = path.join(root, "deployments", `${id}.json`);
    if (existsSync(file)) return file;
  }
  return null;
}

const cache = globalThis as unknown as { __webDeployment?: { file: string; mtimeMs: number; value: Deployment } };

export function deployment(): Deployment {
  const id = chainId();
  const file = deploymentFile(id);
  if (file) {
    const mtimeMs = statSync(file).mtimeMs;
    const hit = cache.__webDeployment;
    if (hit && hit.file === file && hit.mtimeMs === mtimeMs) return hit.value;
    const value = parseDeployment(JSON.parse(readFileSync(file, "utf8")), file);
    if (value.chainId !== id) throw new NotDeployedError(`${file} is for chain ${value.chainId}, not ${id}`);
    cache.__webDeployment = { file, mtimeMs, value };
    return value;
  }
  const d = deployments[id];
  if (!d) throw new NotDeployedError(`no deployment for chain ${id}: deploy first (npm run dev)`);
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

/** SESSION_SECRET (./env.ts); only in development, when unset, a random key per process. */
export function sessionSecret(): Buffer {
  const configured = configuredSessionSecret();
  if (configured) return configured;
  g.__sessionSecret ??= randomBytes(32);
  return g.__sessionSecret;
}

export { appOrigin } from "./env.ts";
