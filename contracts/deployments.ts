/**
 * The deployment record of the program on one chain: `deployments/<chainId>.json`, written by
 * `scripts/deploy.ts`, read by the indexer, the web app, the audit and the scripts.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, isAddress, isHash, type Address, type Hash } from "viem";

export const CONTRACT_NAMES = ["LoyaltyForwarder", "LoyaltyPoints", "RewardNFT"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface DeployedContract {
  address: Address;
  /** Block of the deployment transaction: where an indexer starts. */
  blockNumber: number;
  transactionHash: Hash;
}

export interface Deployment {
  chainId: number;
  /** Hash of block 0, so that a restarted chain with the same id is told apart. */
  genesisHash: Hash;
  operator: Address;
  /**
   * The platform's relayer: holds MIGRATOR_ROLE and is the merchants' issuing agent. Absent from
   * records written before it existed (and on deployments without one).
   */
  relayer?: Address;
  /** The lowest `blockNumber` of the contracts. */
  startBlock: number;
  deployedAt: string;
  contracts: Record<ContractName, DeployedContract>;
}

export class DeploymentFileError extends Error {
  override name = "DeploymentFileError";
}

export const deploymentsDir = (root = process.cwd()) => path.join(root, "deployments");
export const deploymentPath = (chainId: number, root?: string) =>
  path.join(deploymentsDir(root), `${chainId}.json`);

/** Reads and validates `deployments/<chainId>.json`; every problem is a DeploymentFileError. */
export async function readDeployment(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DeploymentFileError(
      code === "ENOENT"
        ? `no deployment file at ${file}: deploy first (npm run deploy) or pass the right chain`
        : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DeploymentFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseDeployment(raw, file);
}

/** Validates an already parsed deployment record. */
export function parseDeployment(raw: unknown, source = "deployment"): Deployment {
  const fail = (what: string): never => {
    throw new DeploymentFileError(`${source}: ${what}`);
  };
  if (typeof raw !== "object" || raw === null) fail("expected a JSON object");
  const r = raw as Record<string, unknown>;
  const int = (value: unknown, field: string) =>
    Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : fail(`${field} must be a non-negative integer`);
  const address = (value: unknown, field: string) =>
    typeof value === "string" && isAddress(value, { strict: false }) ? getAddress(value) : fail(`${field} must be an address`);
  const hash = (value: unknown, field: string) =>
    typeof value === "string" && isHash(value) ? (value as Hash) : fail(`${field} must be a 32-byte hex hash`);

  if (typeof r.contracts !== "object" || r.contracts === null) fail("contracts is missing");
  const contracts = {} as Record<ContractName, DeployedContract>;
  for (const name of CONTRACT_NAMES) {
    const c = (r.contracts as Record<string, Record<string, unknown> | undefined>)[name];
    if (!c) fail(`contracts.${name} is missing`);
    contracts[name] = {
      address: address(c!.address, `contracts.${name}.address`),
      blockNumber: int(c!.blockNumber, `contracts.${name}.blockNumber`),
      transactionHash: hash(c!.transactionHash, `contracts.${name}.transactionHash`),
    };
  }
  return {
    chainId: int(r.chainId, "chainId"),
    genesisHash: hash(r.genesisHash, "genesisHash"),
    operator: address(r.operator, "operator"),
    ...(r.relayer === undefined ? {} : { relayer: address(r.relayer, "relayer") }),
    startBlock: int(r.startBlock, "startBlock"),
    deployedAt: typeof r.deployedAt === "string" ? r.deployedAt : fail("deployedAt must be a string"),
    contracts,
  };
}

/** Reads the deployment of `chainId` from the repository's `deployments/` folder. */
export function loadDeployment(chainId: number, root?: string): Promise<Deployment> {
  return readDeployment(deploymentPath(chainId, root));
}
