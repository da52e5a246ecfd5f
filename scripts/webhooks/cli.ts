/**
 * `npm run webhooks -- [options]`: the webhook worker as a service. Delivers the outbox's rows
 * (webhook_deliveries, in the app's Postgres) to the merchants' endpoints, signed (Standard
 * Webhooks; web/lib/webhooks/worker.ts), retrying with exponential backoff. Stops on
 * SIGINT/SIGTERM after the deliveries under way; a worker killed mid-delivery loses nothing (the
 * row is due again when its --lease runs out).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { embeddedDatabaseUrl } from "../../indexer/database/embedded-url.ts";
import { DEFAULT_TUNING, startWebhookWorker } from "../../web/lib/webhooks/worker.ts";
import { intOption as int, parseCli, runMain, UsageError } from "../lib/cli.ts";
import { createLogger } from "../lib/log.ts";

const spec = {
  name: "webhooks",
  summary: "deliver the merchants' signed webhooks (purchase.issued, purchase.refunded), each fact once per endpoint",
  usage:
    "npm run webhooks -- --status   (deliveries per status, and the last failures)\n" +
    "npm run webhooks -- [--concurrency <n>] [--poll <s>] [--lease <s>] [--timeout <s>] [--retry-limit <n>] [--retry-delay <s>]\n\n" +
    "Environment: DATABASE_URL (default: the embedded PostgreSQL of `npm run dev` under --data-dir);\n" +
    "NODE_ENV=production refuses http and private, loopback or link-local targets; LOG_FORMAT=json, LOG_LEVEL.\n" +
    "Retries back off exponentially (--retry-delay × 2^n, at most 6 h) up to --retry-limit.",
  options: {
    concurrency: { type: "string", default: "2" },
    poll: { type: "string", default: "1" },
    lease: { type: "string", default: String(DEFAULT_TUNING.leaseSeconds) },
    timeout: { type: "string", default: String(DEFAULT_TUNING.timeoutMs / 1000) },
    "retry-limit": { type: "string", default: String(DEFAULT_TUNING.retryLimit) },
    "retry-delay": { type: "string", default: String(DEFAULT_TUNING.retryDelaySeconds) },
    "data-dir": { type: "string", default: ".data" },
    status: { type: "boolean", default: false },
  },
  help: {
    concurrency: "deliveries made at the same time",
    poll: "seconds between polls when nothing is due",
    lease: "seconds a claimed delivery stays with its worker before another takes it (longer than --timeout)",
    timeout: "seconds an endpoint has to answer",
    "retry-limit": "attempts after the first before a delivery is marked failed",
    "retry-delay": "seconds before the first retry (doubling after each)",
    "data-dir": "where `npm run dev`'s embedded PostgreSQL keeps its data (used when DATABASE_URL is unset)",
    status: "print the deliveries per status (queued, sent, failed) and the last failures as JSON, then exit",
  },
} as const;

async function main() {
  const args = parseCli(spec);
  const log = createLogger({ component: "webhooks" });
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(path.resolve(args["data-dir"]!));
  if (!databaseUrl) throw new UsageError(`no database: set DATABASE_URL, or start the indexer (npm run dev) so that ${args["data-dir"]}/ holds its embedded PostgreSQL`);
  const timeout = int(args.timeout!, "timeout", 1);
  const lease = int(args.lease!, "lease", 1);
  if (lease <= timeout) throw new UsageError("--lease must be longer than --timeout");
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ t: string | null }>(`SELECT to_regclass('webhook_deliveries')::text AS t`);
    if (!rows[0]?.t) throw new UsageError("the database has no webhook_deliveries table: run the indexer first (it applies the migrations)");
    if (args.status) {
      const counts = await c.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM webhook_deliveries GROUP BY status`);
      const failures = await c.query(
        `SELECT d.fact_id AS "factId", d.endpoint_id AS "endpointId", e.url, d.status::text, d.attempts, d.last_status_code AS "lastStatusCode", d.last_error AS "lastError", d.next_attempt_at AS "nextAttemptAt"
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.last_error IS NOT NULL AND d.status <> 'sent' ORDER BY d.created_at DESC LIMIT 20`,
      );
      const byStatus = Object.fromEntries(["queued", "sent", "failed"].map((s) => [s, counts.rows.find((r) => r.status === s)?.n ?? 0]));
      console.log(JSON.stringify({ webhooks: byStatus, lastFailures: failures.rows }, null, 2));
      return;
    }
  } finally {
    await c.end();
  }
  const worker = startWebhookWorker({
    databaseUrl,
    log,
    concurrency: int(args.concurrency!, "concurrency", 1),
    pollMs: Math.max(0.1, Number(args.poll)) * 1000,
    tuning: { ...DEFAULT_TUNING, timeoutMs: timeout * 1000, leaseSeconds: lease, retryLimit: int(args["retry-limit"]!, "retry-limit", 0), retryDelaySeconds: int(args["retry-delay"]!, "retry-delay", 1) },
  });
  log.info("webhook worker started");
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("stopping", { signal });
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await worker.stop();
  log.info("webhook worker stopped");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("webhooks", () => main());
}
