/**
 * `npm run indexer -- [options]`: mirrors the deployed program into Postgres and keeps following it.
 * Bad input (deployment file missing or malformed, wrong chain, no contract at an address, a mirror
 * of another chain) ends with a clear message and a non-zero exit, before the database is touched.
 */
import { pathToFileURL } from "node:url";
import { readDeployment, deploymentPath, type Deployment } from "../contracts/deployments.ts";
import { parseCli, runMain, UsageError } from "../scripts/lib/cli.ts";
import { createLogger } from "../scripts/lib/log.ts";
import { startEmbeddedPostgres } from "./database/embedded.ts";
import { migrate } from "./database/migrator.ts";
import { Indexer, verifyChain } from "./indexer.ts";
import { RpcClient, RpcTransportError } from "./rpc/client.ts";
import { startServer } from "./server/http.ts";

const spec = {
  name: "indexer",
  summary: "mirror the loyalty program's contracts into Postgres (backfill, then realtime)",
  usage:
    "npm run indexer -- [--rpc-url <url>] [--deployment <file>] [--confirmations <n>] [--poll-interval <ms>] [--port <n>] [--reset | --reset-on-mismatch] [--once]\n\n" +
    "Environment: RPC_URL (default http://127.0.0.1:8545); DATABASE_URL (default: an embedded PostgreSQL\n" +
    "under ./.data, started and migrated automatically); LOG_FORMAT=json, LOG_LEVEL=debug.\n" +
    "The deployment is deployments/<chainId>.json, chainId as the RPC reports it. Only one indexer writes\n" +
    "to a database (advisory lock): a second one waits as a standby and takes over when the first stops.",
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    deployment: { type: "string" },
    confirmations: { type: "string", default: process.env.INDEXER_CONFIRMATIONS ?? "12" },
    "poll-interval": { type: "string", default: process.env.INDEXER_POLL_MS ?? "200" },
    port: { type: "string", default: process.env.INDEXER_PORT ?? "42069" },
    host: { type: "string", default: process.env.INDEXER_HOST ?? "127.0.0.1" },
    "ws-url": { type: "string", default: process.env.WS_URL ?? "auto" },
    "data-dir": { type: "string", default: ".data" },
    "max-range": { type: "string", default: "100000" },
    reset: { type: "boolean", default: false },
    "reset-on-mismatch": { type: "boolean", default: false },
    once: { type: "boolean", default: false },
    "no-progress": { type: "boolean", default: false },
  },
  help: {
    "rpc-url": "JSON-RPC endpoint (or RPC_URL)",
    deployment: "deployment file (default: deployments/<chainId>.json)",
    confirmations: "blocks below the head considered final (or INDEXER_CONFIRMATIONS)",
    "poll-interval": "milliseconds between head polls in realtime (or INDEXER_POLL_MS)",
    port: "HTTP port of /health, /ready, /metrics; 0 picks a free one (or INDEXER_PORT)",
    host: "HTTP bind address (or INDEXER_HOST)",
    "ws-url": "websocket for new-head notifications (polling stays on): a URL, auto (from --rpc-url) or off",
    "data-dir": "where the embedded PostgreSQL keeps its data when DATABASE_URL is unset",
    "max-range": "largest eth_getLogs block range",
    reset: "erase the mirror first (needed to rebuild a mirror of another chain or deployment)",
    "reset-on-mismatch": "erase the mirror only if it follows another chain or deployment (for dev chains that restart)",
    once: "exit once caught up with the head instead of following it",
    "no-progress": "no progress bar, even on a terminal",
  },
} as const;

const int = (value: string, name: string, min = 0) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
};

export async function main(argv = process.argv.slice(2)) {
  const args = parseCli(spec, argv);
  const log = createLogger({ cmd: "indexer" });
  const confirmations = int(args.confirmations!, "confirmations");
  const pollIntervalMs = int(args["poll-interval"]!, "poll-interval", 1);
  const port = int(args.port!, "port");
  const maxRange = int(args["max-range"]!, "max-range", 1);
  const rpcUrl = args["rpc-url"]!;

  // 1. Chain and deployment, before any database work.
  const rpc = new RpcClient(rpcUrl, { timeoutMs: 10_000 });
  let deployment: Deployment;
  for (let attempt = 1; ; attempt++) {
    try {
      const file = args.deployment ?? deploymentPath(await rpc.chainId());
      deployment = await readDeployment(file);
      await verifyChain(rpc, deployment);
      break;
    } catch (error) {
      if (!(error instanceof RpcTransportError)) throw error;
      const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
      log.warn("RPC unreachable, retrying", { rpcUrl, error: error.message, retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  // 2. Database: the given one, or the embedded one; migrations applied.
  let databaseUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: args["data-dir"], log: (m, f) => log.info(m, f) });
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const applied = await migrate(databaseUrl, { log: (m, f) => log.info(m, f) });
  if (applied.length) log.info("database migrated", { applied });

  // 3. Run, with the HTTP probes.
  const controller = new AbortController();
  const indexer = new Indexer({
    rpcUrl, databaseUrl, deployment, confirmations, pollIntervalMs, reset: args.reset, resetOnMismatch: args["reset-on-mismatch"], log,
    progress: !args["no-progress"] && process.stderr.isTTY ? process.stderr : null,
    once: args.once, signal: controller.signal, maxRangeBlocks: maxRange, wsUrl: args["ws-url"],
  });
  const server = await startServer(() => indexer.status, port, args.host!);
  const address = server.address();
  log.info("indexer started", {
    chainId: deployment.chainId, rpcUrl, http: typeof address === "object" && address ? `http://${args.host}:${address.port}` : null,
    confirmations, pollIntervalMs, database: databaseUrl.replace(/\/\/[^@]*@/, "//***@"),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info("stopping");
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    await indexer.run();
  } finally {
    server.close();
    await stopEmbedded?.();
  }
  log.info("indexer stopped", { block: indexer.status.indexedBlock?.toString() ?? null });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("indexer", () => main());
  process.exit(0);
}
