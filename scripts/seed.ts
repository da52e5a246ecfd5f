/**
 * Seeds the local chain with the demo program (see scripts/lib/seed-program.ts). Local chains only:
 * the demo actors are the node's public test accounts.
 */
import { pathToFileURL } from "node:url";
import { http } from "viem";
import { loadDeployment } from "../contracts/deployments.ts";
import { parseCli, runMain, UsageError } from "./lib/cli.ts";
import { connect } from "./lib/clients.ts";
import { LOCAL_CHAIN_ID } from "./lib/dev-accounts.ts";
import { createLogger } from "./lib/log.ts";
import { seedProgram, type SeedSummary } from "./lib/seed-program.ts";

const spec = {
  name: "seed",
  summary: "fill the local chain with a year of demo loyalty activity",
  usage: "npm run seed -- [--rpc-url <url>] [--days <n>]",
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    days: { type: "string", default: "398" },
  },
  help: {
    "rpc-url": "JSON-RPC endpoint of a local Hardhat node (or RPC_URL)",
    days: "days of history to create, forward from the chain's current time",
  },
} as const;

export async function seedCommand(argv = process.argv.slice(2)): Promise<SeedSummary> {
  const args = parseCli(spec, argv);
  const days = Number(args.days);
  if (!Number.isInteger(days) || days < 30 || days > 3650) throw new UsageError("--days must be a whole number from 30 to 3650");
  const log = createLogger({ component: "seed" });
  const { publicClient, chain } = await connect(args["rpc-url"]!);
  if (chain.id !== LOCAL_CHAIN_ID) throw new UsageError(`refusing to seed chain ${chain.id}: demo data is for the local chain (${LOCAL_CHAIN_ID}) only`);
  const deployment = await loadDeployment(chain.id);
  const started = Date.now();
  const summary = await seedProgram({ publicClient, chain, transport: http(args["rpc-url"]), deployment, days, log: (m, f) => log.info(m, f) });
  log.info("demo program seeded", { ...summary, seconds: (Date.now() - started) / 1000 });
  return summary;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("seed", async () => {
    await seedCommand();
  });
}
