/**
 * `npm run mail -- [options]`: the mail worker as a service. Takes the mail queue's jobs (pg-boss,
 * in the app's Postgres) and sends each fact's mail once through SMTP (web/lib/mail). Stops on
 * SIGINT/SIGTERM after the mail being sent; a worker killed mid-send loses nothing (its job goes
 * to the next worker after --expire-in seconds).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { embeddedDatabaseUrl } from "../../indexer/database/embedded-url.ts";
import { mailSettings } from "../../web/lib/mail/config.ts";
import { DEFAULT_TUNING } from "../../web/lib/mail/queue.ts";
import { smtpTransport } from "../../web/lib/mail/transport.ts";
import { startMailWorker } from "../../web/lib/mail/worker.ts";
import { intOption as int, parseCli, runMain, UsageError } from "../lib/cli.ts";
import { createLogger } from "../lib/log.ts";

const spec = {
  name: "mail",
  summary: "send the programme's queued mail (verification, password reset) through SMTP, each fact once",
  usage:
    "npm run mail -- --status   (what was queued, sent, skipped or failed, and the last failures)\n" +
    "npm run mail -- [--concurrency <n>] [--poll <s>] [--maintenance <s>] [--expire-in <s>] [--retry-limit <n>] [--retry-delay <s>]\n\n" +
    "Environment: SMTP_URL (smtp://user:password@host:587, smtps://…:465) or SMTP_HOST, SMTP_PORT,\n" +
    "SMTP_SECURE, SMTP_USER, SMTP_PASSWORD (required in production; in development the catcher of\n" +
    "`npm run dev`, smtp://127.0.0.1:1025); MAIL_FROM; PROGRAMME_NAME; APP_URL (where links point);\n" +
    "SESSION_SECRET (the web app's: the links are signed with a key derived from it); DATABASE_URL\n" +
    "(default: the embedded PostgreSQL of `npm run dev` under --data-dir); LOG_FORMAT=json, LOG_LEVEL.\n" +
    "Retries back off exponentially (--retry-delay × 2^n) up to --retry-limit; the retry and expiry\n" +
    "settings become the queue's at start, for the mail queued from then on.",
  options: {
    concurrency: { type: "string", default: "1" },
    poll: { type: "string", default: "2" },
    maintenance: { type: "string", default: "30" },
    "expire-in": { type: "string", default: String(DEFAULT_TUNING.expireInSeconds) },
    "retry-limit": { type: "string", default: String(DEFAULT_TUNING.retryLimit) },
    "retry-delay": { type: "string", default: String(DEFAULT_TUNING.retryDelaySeconds) },
    "data-dir": { type: "string", default: ".data" },
    status: { type: "boolean", default: false },
  },
  help: {
    concurrency: "mails sent at the same time",
    poll: "seconds between polls of an idle queue",
    maintenance: "seconds between pg-boss maintenance passes (jobs of dead workers go back to the queue)",
    "expire-in": "seconds a job may stay active before another worker takes it (longer than an SMTP send)",
    "retry-limit": "attempts after the first before a mail is marked failed",
    "retry-delay": "seconds before the first retry (doubling after each)",
    "data-dir": "where `npm run dev`'s embedded PostgreSQL keeps its data (used when DATABASE_URL is unset)",
    status: "print the mail per status (queued, sent, skipped, failed) and the last failures as JSON, then exit",
  },
} as const;

async function main() {
  const args = parseCli(spec);
  const log = createLogger({ component: "mail" });
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(path.resolve(args["data-dir"]!));
  if (!databaseUrl) throw new UsageError(`no database: set DATABASE_URL, or start the indexer (npm run dev) so that ${args["data-dir"]}/ holds its embedded PostgreSQL`);
  const settings = args.status ? null : mailSettings();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ t: string | null }>(`SELECT to_regclass('mail_messages')::text AS t`);
    if (!rows[0]?.t) throw new UsageError("the database has no mail_messages table: run the indexer first (it applies the migrations)");
    if (args.status) {
      const counts = await c.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM mail_messages GROUP BY status`);
      const failures = await c.query(
        `SELECT fact_id AS "factId", kind, status::text, attempts, last_error AS "lastError", created_at AS "createdAt" FROM mail_messages
          WHERE last_error IS NOT NULL AND status <> 'skipped' ORDER BY created_at DESC LIMIT 20`,
      );
      const byStatus = Object.fromEntries(["queued", "sent", "skipped", "failed"].map((s) => [s, counts.rows.find((r) => r.status === s)?.n ?? 0]));
      console.log(JSON.stringify({ mail: byStatus, lastFailures: failures.rows }, null, 2));
      return;
    }
  } finally {
    await c.end();
  }
  const worker = await startMailWorker({
    databaseUrl,
    transport: smtpTransport(settings!.smtp),
    settings: settings!,
    log,
    concurrency: int(args.concurrency!, "--concurrency", 1),
    pollingIntervalSeconds: Math.max(0.5, Number(args.poll)),
    maintenanceIntervalSeconds: int(args.maintenance!, "--maintenance", 1),
    tuning: { expireInSeconds: int(args["expire-in"]!, "--expire-in", 1), retryLimit: int(args["retry-limit"]!, "--retry-limit", 0), retryDelaySeconds: int(args["retry-delay"]!, "--retry-delay", 1) },
  });
  log.info("mail worker started", { smtp: `${settings!.smtp.secure ? "smtps" : "smtp"}://${settings!.smtp.host}:${settings!.smtp.port}`, from: settings!.from });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("stopping", { signal });
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await worker.stop();
  log.info("mail worker stopped");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("mail", () => main());
}
