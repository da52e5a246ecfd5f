/**
 * `npm run keeper -- [options]`: the expiry keeper as a service. Every --interval seconds it expires
 * the points of members past the programme's inactivity period (scripts/keeper/keeper.ts), within
 * its budgets, with its own key; /health and /metrics on --port. A missing or malformed key, an
 * unknown deployment or a database without the keeper's table end with a clear message and a
 * non-zero exit, before anything is sent.
 */
import { pathToFileURL } from "node:url";
import path from "node:path";
import pg from "pg";
import { isAddressEqual, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { loadDeployment, readDeployment } from "../../contracts/deployments.ts";
import { embeddedDatabaseUrl } from "../../indexer/database/embedded-url.ts";
import { intOption as int, parseCli, runMain, UsageError } from "../lib/cli.ts";
import { connect } from "../lib/clients.ts";
import { createLogger } from "../lib/log.ts";
import { redactUrl } from "../lib/redact.ts";
import { ExpiryKeeper, type PassReport } from "./keeper.ts";
import { KeeperMetrics, startKeeperServer, type KeeperHealth } from "./metrics.ts";

const spec = {
  name: "keeper",
  summary: "expire the points of members inactive for the programme's inactivity period, within a budget",
  usage:
    "KEEPER_PRIVATE_KEY=0x… npm run keeper -- [--rpc-url <url>] [--deployment <file>] [--interval <s>] [--once] [--port <n>] [budget options]\n\n" +
    "Environment: KEEPER_PRIVATE_KEY (required: the key that signs and pays for the expire transactions;\n" +
    "expire needs no role, so use an account of its own with a little ether, never the operator's multisig\n" +
    "nor the relayer's key, whose nonces the web app manages); RPC_URL; DATABASE_URL (default: the embedded\n" +
    "PostgreSQL of `npm run dev` under --data-dir); LOG_FORMAT=json, LOG_LEVEL=debug.\n" +
    "Candidates come from the mirror (the indexer must run and have migrated the database); each one is\n" +
    "re-checked on chain and simulated before anything is sent. Claims in keeper_expiries make every\n" +
    "expiry happen once, whatever the number of keepers or crashes; one keeper works per pass (a Postgres\n" +
    "advisory lock), the others stand by. The daily budget is a rolling 24 hours, kept in the database.",
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    deployment: { type: "string" },
    interval: { type: "string", default: process.env.KEEPER_INTERVAL_S ?? "30" },
    once: { type: "boolean", default: false },
    port: { type: "string", default: process.env.KEEPER_PORT ?? "42070" },
    host: { type: "string", default: process.env.KEEPER_HOST ?? "127.0.0.1" },
    "max-per-run": { type: "string", default: process.env.KEEPER_MAX_PER_RUN ?? "100" },
    "max-gas-per-run": { type: "string", default: process.env.KEEPER_MAX_GAS_PER_RUN ?? "10000000" },
    "max-per-day": { type: "string", default: process.env.KEEPER_MAX_PER_DAY ?? "2000" },
    "max-gas-per-day": { type: "string", default: process.env.KEEPER_MAX_GAS_PER_DAY ?? "100000000" },
    "candidate-limit": { type: "string", default: "500" },
    "receipt-timeout": { type: "string", default: process.env.KEEPER_RECEIPT_TIMEOUT_MS ?? "60000" },
    "data-dir": { type: "string", default: ".data" },
  },
  help: {
    "rpc-url": "JSON-RPC endpoint (or RPC_URL)",
    deployment: "deployment file (default: deployments/<chainId>.json)",
    interval: "seconds between passes (or KEEPER_INTERVAL_S)",
    once: "one pass, then exit (exit 1 if it failed)",
    port: "HTTP port of /health and /metrics; 0 picks a free one (or KEEPER_PORT)",
    host: "HTTP bind address (or KEEPER_HOST)",
    "max-per-run": "most expiries sent in one pass (or KEEPER_MAX_PER_RUN)",
    "max-gas-per-run": "most gas (estimated, reserved before sending) in one pass (or KEEPER_MAX_GAS_PER_RUN)",
    "max-per-day": "most expiries sent in any 24 hours (or KEEPER_MAX_PER_DAY)",
    "max-gas-per-day": "most gas used or reserved in any 24 hours (or KEEPER_MAX_GAS_PER_DAY)",
    "candidate-limit": "most candidates read from the mirror per pass",
    "receipt-timeout": "milliseconds a pass waits for a receipt before leaving it to the next pass (or KEEPER_RECEIPT_TIMEOUT_MS)",
    "data-dir": "where `npm run dev`'s embedded PostgreSQL keeps its data (used when DATABASE_URL is unset)",
  },
} as const;

/** The signer, from KEEPER_PRIVATE_KEY only (never an argument: command lines are visible to every user of the machine). */
export function keeperAccount(env: NodeJS.ProcessEnv = process.env) {
  const key = env.KEEPER_PRIVATE_KEY?.trim();
  if (!key) {
    throw new UsageError(
      "KEEPER_PRIVATE_KEY is not set: the keeper signs and pays for its expire transactions with a key of its own " +
        "(any account with a little ether; expire needs no role). `npm run dev` sets a local one.",
    );
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new UsageError("KEEPER_PRIVATE_KEY must be 0x followed by 64 hex digits");
  const account = privateKeyToAccount(key as Hex);
  const relayerKey = env.RELAYER_PRIVATE_KEY?.trim();
  if (relayerKey && /^0x[0-9a-fA-F]{64}$/.test(relayerKey) && isAddressEqual(privateKeyToAccount(relayerKey as Hex).address, account.address)) {
    throw new UsageError("KEEPER_PRIVATE_KEY is the relayer's key: the relayer's nonces are managed by the web app, give the keeper its own account");
  }
  return account;
}

export async function main(argv = process.argv.slice(2)) {
  const args = parseCli(spec, argv);
  const log = createLogger({ component: "keeper" });
  const account = keeperAccount();
  const intervalMs = int(args.interval!, "interval", 1) * 1000;
  const port = int(args.port!, "port");
  const budget = {
    runCount: int(args["max-per-run"]!, "max-per-run"),
    runGas: BigInt(int(args["max-gas-per-run"]!, "max-gas-per-run")),
    dayCount: int(args["max-per-day"]!, "max-per-day"),
    dayGas: BigInt(int(args["max-gas-per-day"]!, "max-gas-per-day")),
  };
  const candidateLimit = int(args["candidate-limit"]!, "candidate-limit", 1);
  const receiptTimeoutMs = int(args["receipt-timeout"]!, "receipt-timeout", 100);
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(path.resolve(args["data-dir"]!));
  if (!databaseUrl) throw new UsageError(`no database: set DATABASE_URL, or start the indexer (npm run dev) so that ${args["data-dir"]}/ holds its embedded PostgreSQL`);

  const { publicClient, walletClient, chain } = await connect(args["rpc-url"]!, account);
  const deployment = args.deployment ? await readDeployment(args.deployment) : await loadDeployment(chain.id);
  if (deployment.chainId !== chain.id) throw new UsageError(`the deployment is for chain ${deployment.chainId}, the RPC serves chain ${chain.id}`);
  if (deployment.relayer && isAddressEqual(deployment.relayer, account.address)) {
    throw new UsageError("KEEPER_PRIVATE_KEY is the relayer's key: the relayer's nonces are managed by the web app, give the keeper its own account");
  }
  const points = deployment.contracts.LoyaltyPoints.address;

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 3, application_name: "loyalty-keeper" });
  pool.on("error", (error) => log.warn("database connection lost", { error }));
  const metrics = new KeeperMetrics();
  const health: KeeperHealth = { phase: "starting", signer: account.address, lastRunAt: null, lastRun: null, lastError: null };
  let server: Awaited<ReturnType<typeof startKeeperServer>> | undefined;
  const controller = new AbortController();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info("stopping", { signal });
    controller.abort();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  let failed = false;
  try {
    const { rows } = await pool.query<{ t: string | null }>(`SELECT to_regclass('keeper_expiries')::text AS t`);
    if (!rows[0]?.t) throw new UsageError("the database has no keeper_expiries table: run the indexer first (it applies the migrations)");
    const keeper = new ExpiryKeeper({ pool, publicClient, walletClient: walletClient!, account, points, budget, log, metrics, candidateLimit, receiptTimeoutMs });
    server = await startKeeperServer(metrics, () => health, port, args.host!);
    const address = server.address();
    log.info("keeper started", {
      signer: account.address, chainId: chain.id, rpc: redactUrl(args["rpc-url"]!), points, intervalS: intervalMs / 1000, budget,
      http: typeof address === "object" && address ? `http://${args.host}:${address.port}` : null,
    });
    while (!controller.signal.aborted) {
      health.phase = "running";
      const started = Date.now();
      try {
        const report: PassReport = await keeper.runOnce();
        health.lastError = null;
        health.lastRun = summary(report);
        health.phase = report.standby ? "standby" : "idle";
        // A pass that found nothing is a debug line: every 30 s, it would bury the ones that did something.
        const idle = report.candidates === 0 && report.recovered === 0 && !report.budgetExhausted;
        log[idle ? "debug" : "info"]("keeper pass", { ...summary(report), ms: Date.now() - started });
      } catch (error) {
        failed = true;
        health.phase = "idle";
        health.lastError = (error as Error).message.split("\n")[0]!;
        metrics.runs.inc({ result: "error" });
        log.error("keeper pass failed, trying again next pass", { error: error as Error });
      }
      health.lastRunAt = new Date().toISOString();
      if (args.once) break;
      failed = false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, intervalMs);
        controller.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    health.phase = "stopped";
    server?.close();
    await pool.end();
  }
  log.info("keeper stopped");
  if (failed) process.exitCode = 1;
}

const summary = (r: PassReport) => ({
  standby: r.standby, paused: r.paused, candidates: r.candidates, confirmed: r.confirmed, reverted: r.reverted, activeOnChain: r.activeOnChain,
  alreadyClaimed: r.alreadyClaimed, simulationFailed: r.simulationFailed, pending: r.pending, recovered: r.recovered, points: r.points,
  gasUsed: r.gasUsed, budgetExhausted: r.budgetExhausted,
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("keeper", () => main());
  process.exit(process.exitCode ?? 0);
}
