/**
 * `npm run indexer -- [options]`: mirrors the deployed program into Postgres and keeps following it.
 * Bad input (deployment file missing or malformed, wrong chain, no contract at an address, a mirror
 * of another chain) ends with a clear message and a non-zero exit, before the database is touched.
 */
import { pathToFileURL } from "node:url";
import { readDeployment, deploymentPath } from "../contracts/deployments.ts";
import { intOption as int, parseCli, runMain, UsageError } from "../scripts/lib/cli.ts";
import { createLogger, type Logger } from "../scripts/lib/log.ts";
import { closeClient, connectClient, databaseErrorMessage, describeDatabaseUrl, isTransientDatabaseError } from "./database/connection.ts";
import { startEmbeddedPostgres } from "./database/embedded.ts";
import { migrate } from "./database/migrator.ts";
import { backoffMs, Indexer, sleep, verifyChain } from "./indexer.ts";
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
    "to a database (advisory lock): a second one waits as a standby and takes over when the first stops.\n" +
    "An unreachable RPC or database, at start as later, is retried with backoff. /ready answers 200 only\n" +
    "while the mirror was checked against a chain head fetched within --ready-max-age and is at most\n" +
    "--ready-max-lag blocks behind it. Reorgs, even those that happened while the indexer was stopped,\n" +
    "are rolled back to the common ancestor; --confirmations only says which blocks are reported final.\n" +
    "SIGTERM or SIGINT: the batch in progress commits or rolls back, the lock is released, exit 0.",
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
    "ready-max-age": { type: "string", default: process.env.INDEXER_READY_MAX_AGE ?? "10" },
    "ready-max-lag": { type: "string", default: process.env.INDEXER_READY_MAX_LAG ?? "1" },
    "rpc-timeout": { type: "string", default: process.env.INDEXER_RPC_TIMEOUT_MS ?? "10000" },
    "db-timeout": { type: "string", default: process.env.INDEXER_DB_TIMEOUT_MS ?? "15000" },
    once: { type: "boolean", default: false },
    "no-progress": { type: "boolean", default: false },
  },
  help: {
    "rpc-url": "JSON-RPC endpoint (or RPC_URL)",
    deployment: "deployment file (default: deployments/<chainId>.json)",
    confirmations: "blocks below the head reported final (or INDEXER_CONFIRMATIONS); deeper reorgs are still followed, with an error logged",
    "poll-interval": "milliseconds between head polls in realtime (or INDEXER_POLL_MS)",
    port: "HTTP port of /health, /ready, /metrics; 0 picks a free one (or INDEXER_PORT)",
    host: "HTTP bind address (or INDEXER_HOST)",
    "ws-url": "websocket for new-head notifications (polling stays on): a URL, auto (from --rpc-url) or off",
    "data-dir": "where the embedded PostgreSQL keeps its data when DATABASE_URL is unset",
    "max-range": "largest eth_getLogs block range",
    reset: "erase the mirror first (needed to rebuild a mirror of another chain or deployment)",
    "reset-on-mismatch": "erase the mirror only if it follows another chain or deployment, or the chain dropped every block it kept (for dev chains that restart)",
    "ready-max-age": "seconds: /ready needs a check of the mirror against a chain head fetched this recently (or INDEXER_READY_MAX_AGE)",
    "ready-max-lag": "blocks: /ready needs the mirror at most this far behind that head (or INDEXER_READY_MAX_LAG)",
    "rpc-timeout": "milliseconds: time limit of each JSON-RPC request (or INDEXER_RPC_TIMEOUT_MS)",
    "db-timeout": "milliseconds: time limit of connecting to Postgres and of each statement (or INDEXER_DB_TIMEOUT_MS)",
    once: "exit once caught up with the head instead of following it",
    "no-progress": "no progress bar, even on a terminal",
  },
} as const;

/**
 * Runs `fn` until it succeeds or fails for good: a transient failure is logged and retried after the
 * indexer's backoff. Undefined when stopped meanwhile.
 */
async function retrying<T>(
  log: Logger, message: string, fields: Record<string, unknown>, transient: (e: unknown) => boolean, signal: AbortSignal, fn: () => Promise<T>,
  describe: (e: unknown) => string = (e) => (e as Error).message,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return undefined;
    try {
      return await fn();
    } catch (error) {
      if (signal.aborted) return undefined;
      if (!transient(error)) throw error;
      const delay = backoffMs(attempt);
      log.warn(message, { ...fields, error: describe(error), retryInMs: delay, attempt });
      await sleep(delay, signal);
    }
  }
}

export async function main(argv = process.argv.slice(2)) {
  const args = parseCli(spec, argv);
  const log = createLogger({ component: "indexer" });
  const confirmations = int(args.confirmations!, "confirmations");
  const pollIntervalMs = int(args["poll-interval"]!, "poll-interval", 1);
  const port = int(args.port!, "port");
  const maxRange = int(args["max-range"]!, "max-range", 1);
  const readyMaxAgeMs = int(args["ready-max-age"]!, "ready-max-age", 1) * 1000;
  const readyMaxLag = int(args["ready-max-lag"]!, "ready-max-lag");
  const rpcTimeoutMs = int(args["rpc-timeout"]!, "rpc-timeout", 100);
  const dbTimeoutMs = int(args["db-timeout"]!, "db-timeout", 100);
  if (readyMaxAgeMs <= pollIntervalMs) throw new UsageError(`--ready-max-age (${readyMaxAgeMs / 1000} s) must exceed --poll-interval (${pollIntervalMs} ms): the mirror is checked once per poll`);
  const rpcUrl = args["rpc-url"]!;

  // Signals from the start: stopping during the start-up retries is as clean as stopping later.
  const controller = new AbortController();
  const { signal } = controller;
  let stopping = false;
  const stop = (name: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info("stopping", { signal: name });
    controller.abort();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  // 1. Chain and deployment, before any database work.
  const rpc = new RpcClient(rpcUrl, { timeoutMs: rpcTimeoutMs, signal });
  const deployment = await retrying(log, "RPC unreachable, retrying", { rpc: rpc.origin }, (e) => e instanceof RpcTransportError, signal, async () => {
    const d = await readDeployment(args.deployment ?? deploymentPath(await rpc.chainId()));
    await verifyChain(rpc, d);
    return d;
  });

  // 2. Database: the given one, or the embedded one; migrations applied.
  let stopEmbedded: (() => Promise<void>) | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let indexer: Indexer | undefined;
  const serve = async () => {
    if (!deployment) return;
    let databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres({ dataDir: args["data-dir"], log: (m, f) => log.info(m, f) });
      databaseUrl = embedded.url;
      stopEmbedded = embedded.stop;
    }
    const url = databaseUrl;
    const database = describeDatabaseUrl(url);
    const applied = await retrying(log, "database unreachable, retrying", { database }, isTransientDatabaseError, signal, async () => {
      const client = await connectClient(url, { timeoutMs: dbTimeoutMs, applicationName: "loyalty-indexer-migrate", unboundedStatements: true });
      try {
        return await migrate(client, { log: (m, f) => log.info(m, f) });
      } finally {
        await closeClient(client);
      }
    }, (e) => databaseErrorMessage(e, dbTimeoutMs));
    if (!applied) return;
    if (applied.length) log.info("database migrated", { applied });

    // 3. Run, with the HTTP probes.
    indexer = new Indexer({
      rpcUrl, databaseUrl: url, deployment, confirmations, pollIntervalMs, reset: args.reset, resetOnMismatch: args["reset-on-mismatch"], log,
      progress: !args["no-progress"] && process.stderr.isTTY ? process.stderr : null,
      once: args.once, signal, maxRangeBlocks: maxRange, wsUrl: args["ws-url"],
      ready: { maxAgeMs: readyMaxAgeMs, maxLag: readyMaxLag }, rpcTimeoutMs, dbTimeoutMs,
    });
    const running = indexer;
    server = await startServer(() => running.report(), port, args.host!, running.readyPolicy);
    const address = server.address();
    log.info("indexer started", {
      chainId: deployment.chainId, rpc: rpc.origin, http: typeof address === "object" && address ? `http://${args.host}:${address.port}` : null,
      confirmations, pollIntervalMs, database, readyMaxAgeS: readyMaxAgeMs / 1000, readyMaxLag, rpcTimeoutMs, dbTimeoutMs,
    });
    await indexer.run();
  };
  try {
    await serve();
  } finally {
    server?.close();
    await stopEmbedded?.();
  }
  log.info("indexer stopped", { block: indexer?.status.indexedBlock?.toString() ?? null });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("indexer", () => main());
  process.exit(0);
}
