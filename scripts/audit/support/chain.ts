/**
 * Test and bench support: a program deployed (and optionally seeded) on a given local node, its
 * deployment record written to a temporary file (never to deployments/31337.json, which the dev
 * chain owns).
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, defineChain, http, type Chain, type PublicClient } from "viem";
import type { Deployment } from "../../../contracts/deployments.ts";
import { deployProgram } from "../../lib/deploy-program.ts";
import { devAccount } from "../../lib/dev-accounts.ts";
import { seedProgram, type SeedSummary } from "../../lib/seed-program.ts";

export interface ProgramOnChain {
  url: string;
  chain: Chain;
  publicClient: PublicClient;
  deployment: Deployment;
  deploymentFile: string;
  seed?: SeedSummary;
}

export async function localChain(url: string): Promise<{ chain: Chain; publicClient: PublicClient }> {
  const probe = createPublicClient({ transport: http(url) });
  const id = await probe.getChainId();
  const chain = defineChain({ id, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const publicClient = createPublicClient({ chain, transport: http(url), cacheTime: 0, pollingInterval: 50 }) as PublicClient;
  return { chain, publicClient };
}

export async function writeDeploymentFile(deployment: Deployment, dir?: string): Promise<string> {
  const folder = dir ?? (await mkdtemp(path.join(tmpdir(), "audit-deployment-")));
  const file = path.join(folder, `${deployment.chainId}.json`);
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}

/** Deploys the program on the node at `url`; seeds the demo year when `seed` is set. */
export async function deployOnNode(url: string, options: { seed?: boolean; days?: number } = {}): Promise<ProgramOnChain> {
  const { chain, publicClient } = await localChain(url);
  const walletClient = createWalletClient({ chain, transport: http(url), account: devAccount(0) });
  const { deployment } = await deployProgram({ publicClient, walletClient });
  const seed = options.seed
    ? await seedProgram({ publicClient, chain, transport: http(url), deployment, days: options.days ?? 398 })
    : undefined;
  return { url, chain, publicClient, deployment, deploymentFile: await writeDeploymentFile(deployment), seed };
}
