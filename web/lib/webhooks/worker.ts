/**
 * The webhook worker: delivers the outbox's rows (webhook_deliveries, written by ./outbox.ts in
 * the fact's own statement) to the merchants' endpoints, signed as Standard Webhooks has it
 * (webhook-id = the fact id, webhook-timestamp, webhook-signature `v1,<base64 HMAC-SHA256>`).
 *
 * The rows are the queue. A worker claims one due row (queued, next attempt reached, no live
 * lease; SKIP LOCKED, so two workers never take the same row) by setting a lease and counting
 * the attempt, commits, then POSTs (a 10 s deadline, at most 64 KiB of the answer read). A 2xx
 * marks the row sent; anything else (non-2xx, timeout, refused address) schedules the next
 * attempt at retryDelay × 2^(attempt−1), or marks it failed after retryLimit retries. A worker
 * killed mid-delivery leaves its lease to run out: the row is then due again and another worker
 * sends it, with the same webhook-id, so a receiver that got it already drops the repeat.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import type { Logger } from "../../../scripts/lib/log.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { checkUrl } from "./endpoints.ts";
import { BlockedTargetError, guardedLookup, isPrivateAddress, isProduction } from "./target.ts";

export interface WebhookTuning {
  /** Deadline of one delivery (connect, send, answer). */
  timeoutMs: number;
  /** How long a claimed row stays with its worker before another may take it: longer than timeoutMs. */
  leaseSeconds: number;
  /** Attempts after the first before the row is marked failed. */
  retryLimit: number;
  /** Seconds before the first retry (doubling after each, up to maxDelaySeconds). */
  retryDelaySeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_TUNING: WebhookTuning = { timeoutMs: 10_000, leaseSeconds: 60, retryLimit: 12, retryDelaySeconds: 30, maxDelaySeconds: 6 * 3600 };

export const MAX_RESPONSE_BYTES = 64 * 1024;

interface Claimed {
  id: string;
  fact_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  created_at: Date;
  url: string;
  secret: string;
  disabled_at: Date | null;
}

/** The body of a delivery: the same bytes on every attempt. */
export function bodyOf(row: { event_type: string; payload: unknown; created_at: Date }): string {
  return JSON.stringify({ type: row.event_type, timestamp: row.created_at.toISOString(), data: row.payload });
}

async function claim(db: Queryable, tuning: WebhookTuning): Promise<Claimed | null> {
  const { rows } = await db.query<Claimed>(
    `WITH c AS (
       UPDATE webhook_deliveries SET locked_until = now() + make_interval(secs => $1), attempts = attempts + 1
        WHERE id = (SELECT id FROM webhook_deliveries
                     WHERE status = 'queued' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())
                     ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *)
     SELECT c.id, c.fact_id, c.event_type, c.payload, c.attempts, c.created_at, e.url, e.secret, e.disabled_at FROM c JOIN webhook_endpoints e ON e.id = c.endpoint_id`,
    [tuning.leaseSeconds],
  );
  return rows[0] ?? null;
}

export interface Answer {
  status: number;
}

/** POSTs `body` to `url` with `headers`, under the SSRF rules of ./target.ts; the status it answered. */
export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, production = isProduction()): Promise<Answer> {
  const checked = checkUrl(url, production);
  if (!checked.ok) return Promise.reject(new BlockedTargetError(checked.message));
  const target = new URL(checked.value);
  const literal = target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname;
  // An address literal is not resolved (no lookup runs): check it here.
  if (production && isIP(literal) && isPrivateAddress(literal)) return Promise.reject(new BlockedTargetError(`${literal} is a private address: refused`));
  const client = target.protocol === "https:" ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "loyalty-webhooks/1" },
        lookup: guardedLookup(production),
        agent: false,
      },
      (response) => {
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0 });
        };
        response.once("end", done);
        response.once("close", done);
        response.once("error", done);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    request.end(body);
  });
}

export type Outcome = "sent" | "retry" | "failed" | "idle";

/** Claims one due delivery and makes its attempt; what became of it ("idle": none was due). */
export async function deliverNext(db: Queryable, tuning: WebhookTuning = DEFAULT_TUNING, log?: Logger): Promise<Outcome> {
  const row = await claim(db, tuning);
  if (!row) return "idle";
  const l = log?.child({ fact: row.fact_id, delivery: row.id, attempt: row.attempts });
  if (row.disabled_at) {
    await db.query(`UPDATE webhook_deliveries SET status = 'failed', locked_until = NULL, last_error = 'endpoint disabled' WHERE id = $1 AND status = 'queued'`, [row.id]);
    l?.info("webhook failed: endpoint disabled");
    return "failed";
  }
  const body = bodyOf(row);
  const headers = { "webhook-id": row.fact_id, "webhook-timestamp": "", "webhook-signature": "" };
  const now = new Date();
  headers["webhook-timestamp"] = String(Math.floor(now.getTime() / 1000));
  headers["webhook-signature"] = new Webhook(row.secret).sign(row.fact_id, now, body);
  let status: number | null = null;
  let error: string | null = null;
  try {
    status = (await post(row.url, headers, body, tuning.timeoutMs)).status;
    if (status < 200 || status > 299) error = `the endpoint answered ${status}`;
  } catch (e) {
    error = ((e as Error).message ?? String(e)).split("\n")[0]!.slice(0, 300);
  }
  if (!error) {
    await db.query(`UPDATE webhook_deliveries SET status = 'sent', sent_at = now(), locked_until = NULL, last_status_code = $2, last_error = NULL WHERE id = $1 AND status = 'queued'`, [row.id, status]);
    l?.info("webhook sent", { status });
    return "sent";
  }
  const final = row.attempts > tuning.retryLimit;
  const delay = Math.min(tuning.maxDelaySeconds, tuning.retryDelaySeconds * 2 ** (row.attempts - 1));
  await db.query(
    `UPDATE webhook_deliveries SET locked_until = NULL, last_status_code = $2, last_error = $3,
            status = CASE WHEN $4 THEN 'failed'::webhook_delivery_status ELSE status END,
            next_attempt_at = now() + make_interval(secs => $5)
      WHERE id = $1 AND status = 'queued'`,
    [row.id, status, error, final, delay],
  );
  l?.warn(final ? "webhook failed: no retry left" : "webhook not delivered: will retry", { error, retryInSeconds: final ? undefined : delay });
  return final ? "failed" : "retry";
}

export interface WebhookWorker {
  /** Stops claiming; waits (up to `timeoutMs`) for the deliveries under way, then closes. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface WebhookWorkerOptions {
  databaseUrl: string;
  log: Logger;
  tuning?: WebhookTuning;
  /** Milliseconds between polls when nothing is due. */
  pollMs?: number;
  /** Deliveries made at the same time. */
  concurrency?: number;
}

export function startWebhookWorker(o: WebhookWorkerOptions): WebhookWorker {
  const tuning = o.tuning ?? DEFAULT_TUNING;
  const concurrency = o.concurrency ?? 2;
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: concurrency + 1, application_name: "webhook-worker" });
  pool.on("error", (e) => o.log.warn("webhook database connection lost", { error: e }));
  let stopping = false;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => (clearTimeout(t), sleepers.delete(wake), resolve());
      const t = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  const loop = async () => {
    while (!stopping) {
      try {
        if ((await deliverNext(pool, tuning, o.log)) === "idle") await sleep(o.pollMs ?? 1000);
      } catch (e) {
        o.log.warn("webhook worker: database error", { error: e as Error });
        await sleep(o.pollMs ?? 1000);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    async stop(timeoutMs = 30_000) {
      stopping = true;
      for (const wake of [...sleepers]) wake();
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      await pool.end().catch(() => {});
    },
  };
}
