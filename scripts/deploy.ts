/**
 * Deploys the loyalty program to any EVM network and writes deployments/<chainId>.json, then
 * regenerates the shared contracts module. Re-running on the same chain reuses what is deployed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getAddress, isAddress, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deploymentPath, readDeployment, type Deployment } from "../contracts/deployments.ts";
import { parseCli, runMain, UsageError } from "./lib/cli.ts";
import { connect } from "./lib/clients.ts";
import { deployProgram } from "./lib/deploy-program.ts";
import { devAccount, LOCAL_CHAIN_ID } from "./lib/dev-accounts.ts";
import { createLogger } from "./lib/log.ts";
import { generateContractsModule } from "./tooling/generate-contracts-module.ts";

const spec = {
  name: "deploy",
  summary: "deploy the loyalty program (forwarder, points, reward catalog) and record it",
  usage: "npm run deploy -- [--rpc-url <url>] [--operator <address>] [--relayer <address>] [--fresh]\n\n" +
    "The deployer key comes from DEPLOYER_PRIVATE_KEY (never from a file in the repository). On the\n" +
    "local Hardhat chain (id 31337) it defaults to the node's first public test account.",
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    operator: { type: "string" },
    relayer: { type: "string", default: process.env.RELAYER_ADDRESS },
    fresh: { type: "boolean", default: false },
  },
  help: {
    "rpc-url": "JSON-RPC endpoint of the target chain (or RPC_URL)",
    operator: "address that owns the program (a multisig); defaults to the deployer",
    relayer: "the platform's relayer, granted MIGRATOR_ROLE (or RELAYER_ADDRESS); defaults to Hardhat account #1 on the local chain",
    fresh: "deploy new contracts even if deployments/<chainId>.json points at live ones",
  },
} as const;

export async function deployCommand(argv = process.argv.slice(2)): Promise<Deployment> {
  const args = parseCli(spec, argv);
  const log = createLogger({ component: "deploy" });
  if (args.operator !== undefined && !isAddress(args.operator)) throw new UsageError(`--operator is not an address: ${args.operator}`);
  if (args.relayer !== undefined && !isAddress(args.relayer)) throw new UsageError(`--relayer is not an address: ${args.relayer}`);

  const { publicClient, chain } = await connect(args["rpc-url"]!);
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  if (key !== undefined && !isHex(key, { strict: true })) throw new UsageError("DEPLOYER_PRIVATE_KEY must be a 0x-prefixed hex key");
  if (!key && chain.id !== LOCAL_CHAIN_ID) throw new UsageError(`DEPLOYER_PRIVATE_KEY is required on chain ${chain.id}`);
  const account = key ? privateKeyToAccount(key as `0x${string}`) : devAccount(0);
  const { walletClient } = await connect(args["rpc-url"]!, account);

  const file = deploymentPath(chain.id);
  const existing = args.fresh ? undefined : await readDeployment(file).catch(() => undefined);
  log.info("deploying", { chainId: chain.id, deployer: account.address });
  const { deployment, reused } = await deployProgram({
    publicClient,
    walletClient: walletClient!,
    operator: args.operator ? getAddress(args.operator) : undefined,
    relayer: args.relayer ? getAddress(args.relayer) : undefined,
    existing,
    log: (msg, fields) => log.info(msg, fields),
  });
  if (!reused || existing?.relayer !== deployment.relayer) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  }
  await generateContractsModule();
  log.info(reused ? "already deployed" : "deployed", {
    file: path.relative(process.cwd(), file),
    ...Object.fromEntries(Object.entries(deployment.contracts).map(([name, c]) => [name, c.address])),
  });
  return deployment;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("deploy", async () => {
    await deployCommand();
  });
}
