/**
 * `npm run dev`: the whole system on one machine. Starts a local Hardhat chain, compiles and deploys
 * the contracts, seeds the demo program and prints the addresses. Ctrl-C stops everything it started.
 */
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { parseCli, runMain } from "./lib/cli.ts";
import { rpcReady, startProcess, stopAll, waitFor } from "./lib/processes.ts";
import { createLogger } from "./lib/log.ts";
import { deployCommand } from "./deploy.ts";
import { seedCommand } from "./seed.ts";

const spec = {
  name: "dev",
  summary: "run the whole loyalty platform locally: chain, contracts, demo data",
  usage: "npm run dev -- [--port <n>] [--no-seed]",
  options: {
    port: { type: "string", default: "8545" },
    "no-seed": { type: "boolean", default: false },
  },
  help: {
    port: "port of the local JSON-RPC chain",
    "no-seed": "deploy the contracts but create no demo data",
  },
} as const;

async function main() {
  const args = parseCli(spec);
  const log = createLogger({ cmd: "dev" });
  const rpcUrl = `http://127.0.0.1:${args.port}`;
  process.env.RPC_URL = rpcUrl;

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping everything");
    await stopAll();
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  log.info("compiling contracts");
  execFileSync("npm", ["run", "--silent", "build:contracts"], { stdio: "inherit" });

  const chain = startProcess("chain", "npx", ["hardhat", "node", "--network", "demo", "--port", args.port], { quiet: true });
  void chain.exited.then((code) => {
    if (!stopping) {
      log.error("the chain stopped", { code });
      void shutdown(1);
    }
  });
  await waitFor(`the chain on ${rpcUrl}`, rpcReady(rpcUrl));
  log.info("chain ready", { rpcUrl, chainId: 31337 });

  const deployment = await deployCommand(["--rpc-url", rpcUrl]);
  if (!args["no-seed"]) await seedCommand(["--rpc-url", rpcUrl]);

  console.log(
    [
      "",
      "Loyalty platform running locally",
      `  chain      ${rpcUrl}  (chain id ${deployment.chainId})`,
      ...Object.entries(deployment.contracts).map(([name, c]) => `  ${name.padEnd(10)} ${c.address}`),
      "",
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("dev", async () => {
    try {
      await main();
    } catch (error) {
      await stopAll();
      throw error;
    }
  });
}
