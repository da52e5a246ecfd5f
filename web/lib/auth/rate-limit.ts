/**
 * Fixed-window attempt counters in Postgres (auth_rate_limits), shared by every web server. One
 * atomic upsert per attempt: concurrent attempts each get their own count.
 */
import type { Queryable } from "../../../scripts/lib/queryable.ts";

export interface Limit {
  max: number;
  windowSeconds: number;
}

/** Counts one attempt under `key`; true while the window's attempts are within `max`. */
export async function allowAttempt(db: Queryable, key: string, limit: Limit): Promise<boolean> {
  return (await attempt(db, key, limit)).ok;
}

/**
 * Counts `weight` attempts under `key` (e.g. the calls of one JSON-RPC batch): ok while the
 * window's attempts are within `max`; else the seconds until the window ends (a Retry-After).
 */
export async function attempt(db: Queryable, key: string, limit: Limit, weight = 1): Promise<{ ok: boolean; retryAfterSeconds: number }> {
  const { rows } = await db.query<{ count: number; retry_after: number }>(
    `INSERT INTO auth_rate_limits AS r (key, window_start, count) VALUES ($1, now(), $3::int)
     ON CONFLICT (key) DO UPDATE SET
       window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END,
       count = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN $3::int ELSE r.count + $3::int END
     RETURNING count, GREATEST(1, CEIL(EXTRACT(EPOCH FROM (window_start + make_interval(secs => $2) - now()))))::int AS retry_after`,
    [key, limit.windowSeconds, weight],
  );
  return { ok: rows[0]!.count <= limit.max, retryAfterSeconds: rows[0]!.retry_after };
}

export async function resetAttempts(db: Queryable, key: string): Promise<void> {
  await db.query(`DELETE FROM auth_rate_limits WHERE key = $1`, [key]);
}

/**
 * Budgets of gas in the same counters, counted in thousands of gas (the column is a 32-bit count:
 * up to 2·10¹² gas per window). A charge is taken only when it fits; it names its window so that
 * a credit (gas the receipt shows unused) never lands in a later one.
 */
export interface Charge {
  windowStart: Date;
  kilogas: number;
}

const kilogas = (gas: bigint) => Number((gas + 999n) / 1000n);

export async function consumeBudget(db: Queryable, key: string, gas: bigint, budget: { maxGas: bigint; windowSeconds: number }): Promise<Charge | null> {
  const k = kilogas(gas);
  const max = Number(budget.maxGas / 1000n);
  const { rows } = await db.query<{ window_start: Date; count: number }>(
    `INSERT INTO auth_rate_limits AS r (key, window_start, count) SELECT $1, now(), $3::int WHERE $3::int <= $4::int
     ON CONFLICT (key) DO UPDATE SET
       window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END,
       count = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN $3::int ELSE r.count + $3::int END
     WHERE (r.window_start <= now() - make_interval(secs => $2) AND $3::int <= $4::int) OR r.count + $3::int <= $4::int
     RETURNING window_start, count`,
    [key, budget.windowSeconds, k, max],
  );
  return rows[0] ? { windowStart: rows[0].window_start, kilogas: k } : null;
}

export async function creditBudget(db: Queryable, key: string, charge: Charge, unusedGas: bigint): Promise<void> {
  const k = Math.min(charge.kilogas, Number(unusedGas / 1000n));
  if (k > 0) await db.query(`UPDATE auth_rate_limits SET count = GREATEST(count - $3::int, 0) WHERE key = $1 AND window_start = $2`, [key, charge.windowStart, k]);
}

/** Gas charged in the current window (0 once it has passed). */
export async function readBudget(db: Queryable, key: string, budget: { windowSeconds: number }): Promise<bigint> {
  const { rows } = await db.query<{ count: number }>(`SELECT count FROM auth_rate_limits WHERE key = $1 AND window_start > now() - make_interval(secs => $2)`, [key, budget.windowSeconds]);
  return BigInt(rows[0]?.count ?? 0) * 1000n;
}
