/**
 * The mail queue: pg-boss on the Postgres the app already uses (its own `pgboss` schema). A mail
 * is the report of one fact (`verify:<user>:<link>`, `reset:<user>:<link>`): `enqueueMail` writes
 * the fact's mail_messages row and its job in the caller's transaction, so the fact, the row and
 * the job commit or vanish together (never lost on a crash); the row's key makes a second enqueue
 * of the same fact a no-op, and the job's id is derived from the fact as well. The worker
 * (./worker.ts) sends it once and marks the row (queued → sent / skipped / failed).
 */
import { createHash } from "node:crypto";
import PgBoss from "pg-boss";
import type { Queryable } from "../../../scripts/lib/queryable.ts";

export const MAIL_QUEUE = "mail";

export type MailKind = "verify-email" | "password-reset";

export interface MailJob {
  factId: string;
  kind: MailKind;
  userId: string;
  tokenId: string;
}

/** Retries with exponential backoff (pg-boss: retryDelay × 2^n, with jitter) for about a day. */
export interface QueueTuning {
  retryLimit: number;
  retryDelaySeconds: number;
  /** How long a job may stay active before pg-boss gives it to another worker (a worker that died
   * mid-send is noticed after this): longer than the SMTP timeouts of ./transport.ts. */
  expireInSeconds: number;
}

export const DEFAULT_TUNING: QueueTuning = { retryLimit: 12, retryDelaySeconds: 30, expireInSeconds: 120 };

export const factIds = {
  verify: (userId: string, tokenId: string) => `verify:${userId}:${tokenId}`,
  reset: (userId: string, tokenId: string) => `reset:${userId}:${tokenId}`,
};

/** The job's id: a UUID derived from the fact, so the same fact can never hold two jobs. */
export function jobId(factId: string): string {
  const h = createHash("sha256").update(`mail:${factId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const executor = (db: Queryable): PgBoss.Db => ({ executeSql: async (text, values) => ({ rows: (await db.query(text, values)).rows }) });

const g = globalThis as unknown as { __mailQueues?: WeakMap<object, Promise<PgBoss>> };

/**
 * A pg-boss client over `pool` for enqueueing only (no maintenance, no polling: the worker does
 * those), its schema and the mail queue created on first use. One per pool and process.
 */
export function mailQueue(pool: Queryable, tuning: QueueTuning = DEFAULT_TUNING): Promise<PgBoss> {
  g.__mailQueues ??= new WeakMap();
  let boss = g.__mailQueues.get(pool);
  if (!boss) {
    boss = (async () => {
      const b = new PgBoss({ db: executor(pool), supervise: false, schedule: false });
      b.on("error", () => {});
      await b.start();
      await createMailQueue(b, tuning);
      return b;
    })();
    boss.catch(() => g.__mailQueues?.delete(pool));
    g.__mailQueues.set(pool, boss);
  }
  return boss;
}

const queueOptions = (tuning: QueueTuning) => ({
  name: MAIL_QUEUE,
  policy: "standard" as const,
  retryLimit: tuning.retryLimit,
  retryDelay: tuning.retryDelaySeconds,
  retryBackoff: true,
  expireInSeconds: tuning.expireInSeconds,
});

/** The queue, created if missing (its settings then are `tuning`'s). */
export async function createMailQueue(boss: PgBoss, tuning: QueueTuning): Promise<void> {
  await boss.createQueue(MAIL_QUEUE, queueOptions(tuning));
}

/** The worker's settings become the queue's, for the jobs queued from now on (a job keeps the
 * retry and expiry settings it was queued with). */
export async function tuneMailQueue(boss: PgBoss, tuning: QueueTuning): Promise<void> {
  await createMailQueue(boss, tuning);
  await boss.updateQueue(MAIL_QUEUE, queueOptions(tuning));
}

/**
 * Records the fact's mail and queues its job, in `tx` (the caller's transaction). False when this
 * fact's mail was already recorded (nothing is queued twice).
 */
export async function enqueueMail(tx: Queryable, boss: PgBoss, job: MailJob): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO mail_messages (fact_id, kind, user_id, token_id) VALUES ($1, $2, $3, $4) ON CONFLICT (fact_id) DO NOTHING`,
    [job.factId, job.kind, job.userId, job.tokenId],
  );
  if (!rowCount) return false;
  const id = await boss.send(MAIL_QUEUE, { ...job }, { id: jobId(job.factId), db: executor(tx) });
  if (!id) throw new Error(`the mail queue "${MAIL_QUEUE}" refused the job of ${job.factId}: is its queue created?`);
  return true;
}
