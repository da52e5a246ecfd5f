/**
 * The mail worker: takes the mail queue's jobs (./queue.ts) and sends each fact's mail once.
 *
 * Per job, in one transaction on one connection: lock the fact's mail_messages row (SKIP LOCKED:
 * a second worker that got the same job after an expiry leaves it to the first and retries
 * later), return at once if it is no longer queued (sent, skipped or failed before: the job was a
 * retry after a crash that happened after the commit), write the mail from the account as it is
 * now, hand it to the SMTP server, mark the row sent, commit. A worker killed before the SMTP
 * server accepted the message leaves the row queued and its job active: pg-boss hands the job
 * out again after `expireInSeconds`, and the mail goes then. The one window left is a crash
 * between the server's acceptance and the commit (a round trip to Postgres): that mail may go
 * twice, with the same Message-ID (derived from the fact), which receivers may use to drop it.
 */
import PgBoss from "pg-boss";
import pg from "pg";
import type { Logger } from "../../../scripts/lib/log.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import type { MailSettings } from "./config.ts";
import { composePasswordReset } from "./jobs/password-reset.ts";
import type { ComposeMail } from "./jobs/types.ts";
import { composeVerifyEmail } from "./jobs/verify-email.ts";
import { DEFAULT_TUNING, tuneMailQueue, MAIL_QUEUE, type MailJob, type MailKind, type QueueTuning } from "./queue.ts";
import type { MailTransport } from "./transport.ts";

const JOBS: Record<MailKind, ComposeMail> = {
  "verify-email": composeVerifyEmail,
  "password-reset": composePasswordReset,
};

export type Delivery = "sent" | "skipped" | "done-before" | "unknown";

export class MailBusyError extends Error {
  override name = "MailBusyError";
}

/** The Message-ID of a fact's mail: the same for every attempt. */
export function messageIdOf(factId: string, settings: MailSettings): string {
  return `<${factId.replaceAll(":", ".")}@${new URL(settings.appOrigin).hostname}>`;
}

/** Sends the job's mail unless its fact's mail went already; what happened. `lastAttempt`: a
 * failure now is final (the row becomes failed). */
export async function deliverMail(pool: PoolLike, transport: MailTransport, settings: MailSettings, job: MailJob, options: { lastAttempt?: boolean } = {}): Promise<Delivery> {
  const compose = JOBS[job.kind];
  const db = await pool.connect();
  let broken = false;
  try {
    await db.query("BEGIN");
    const { rows } = await db.query<{ status: string }>(`SELECT status FROM mail_messages WHERE fact_id = $1 FOR UPDATE SKIP LOCKED`, [job.factId]);
    if (!rows[0]) {
      await db.query("ROLLBACK");
      const { rowCount } = await pool.query(`SELECT 1 FROM mail_messages WHERE fact_id = $1`, [job.factId]);
      if (rowCount) throw new MailBusyError(`another worker is sending ${job.factId}`);
      return "unknown";
    }
    if (rows[0].status !== "queued") {
      await db.query("COMMIT");
      return "done-before";
    }
    if (!compose) throw new Error(`no mail job of kind ${String(job.kind)}`);
    const composed = await compose(db, job, settings);
    if ("skip" in composed) {
      await db.query(`UPDATE mail_messages SET status = 'skipped', attempts = attempts + 1, last_error = $2 WHERE fact_id = $1`, [job.factId, composed.skip]);
      await db.query("COMMIT");
      return "skipped";
    }
    const messageId = messageIdOf(job.factId, settings);
    await transport.sendMail({
      from: settings.from,
      to: composed.to,
      subject: composed.mail.subject,
      text: composed.mail.text,
      html: composed.mail.html,
      messageId,
      headers: { "X-Fact-Id": job.factId, "Auto-Submitted": "auto-generated" },
    });
    await db.query(`UPDATE mail_messages SET status = 'sent', attempts = attempts + 1, sent_at = now(), message_id = $2, last_error = NULL WHERE fact_id = $1`, [job.factId, messageId]);
    await db.query("COMMIT");
    return "sent";
  } catch (error) {
    broken = true;
    await db.query("ROLLBACK").catch(() => {});
    if (!(error instanceof MailBusyError)) {
      // Outside the rolled-back transaction: the operator sees the attempt and its error.
      const message = ((error as Error).message ?? String(error)).split("\n")[0]!.slice(0, 300);
      await pool
        .query(`UPDATE mail_messages SET attempts = attempts + 1, last_error = $2, status = CASE WHEN $3 THEN 'failed'::mail_status ELSE status END WHERE fact_id = $1 AND status = 'queued'`, [
          job.factId,
          message,
          options.lastAttempt === true,
        ])
        .catch(() => {});
    }
    throw error;
  } finally {
    db.release(broken);
  }
}

export interface MailWorker {
  boss: PgBoss;
  /** Stops taking jobs; waits (up to `timeoutMs`) for the mail being sent, then closes. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface MailWorkerOptions {
  databaseUrl: string;
  transport: MailTransport;
  settings: MailSettings;
  log: Logger;
  tuning?: QueueTuning;
  /** Seconds between polls of an idle queue (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** Seconds between maintenance passes (expired jobs back to the queue); pg-boss's minimum is 1. */
  maintenanceIntervalSeconds?: number;
  /** Jobs sent at the same time. */
  concurrency?: number;
}

export async function startMailWorker(o: MailWorkerOptions): Promise<MailWorker> {
  const tuning = o.tuning ?? DEFAULT_TUNING;
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: (o.concurrency ?? 1) + 2 });
  pool.on("error", (e) => o.log.warn("mail database connection lost", { error: e }));
  const boss = new PgBoss({
    connectionString: o.databaseUrl,
    max: 3,
    schedule: false,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
    application_name: "mail-worker",
  });
  boss.on("error", (e) => o.log.warn("mail queue error", { error: e }));
  await boss.start();
  await tuneMailQueue(boss, tuning);
  const handle = async ([job]: PgBoss.JobWithMetadata<MailJob>[]) => {
    if (!job) return;
    const log = o.log.child({ fact: job.data.factId, attempt: job.retryCount + 1 });
    try {
      const outcome = await deliverMail(pool, o.transport, o.settings, job.data, { lastAttempt: job.retryCount >= job.retryLimit });
      log.info(`mail ${outcome}`, { kind: job.data.kind });
    } catch (error) {
      log.warn("mail not sent: will retry", { kind: job.data.kind, error: error as Error });
      throw error;
    }
  };
  for (let i = 0; i < (o.concurrency ?? 1); i++) {
    await boss.work<MailJob>(MAIL_QUEUE, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: o.pollingIntervalSeconds ?? 2 }, handle);
  }
  return {
    boss,
    async stop(timeoutMs = 30_000) {
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
      await pool.end().catch(() => {});
      o.transport.close();
    },
  };
}
