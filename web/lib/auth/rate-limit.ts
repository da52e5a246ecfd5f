/**
 * Fixed-window attempt counters in Postgres (auth_rate_limits), shared by every web server. One
 * atomic upsert per attempt: concurrent attempts each get their own count.
 */
import type { Queryable } from "../custody/users.ts";

export interface Limit {
  max: number;
  windowSeconds: number;
}

/** Counts one attempt under `key`; true while the window's attempts are within `max`. */
export async function allowAttempt(db: Queryable, key: string, limit: Limit): Promise<boolean> {
  const { rows } = await db.query<{ count: number }>(
    `INSERT INTO auth_rate_limits AS r (key, window_start, count) VALUES ($1, now(), 1)
     ON CONFLICT (key) DO UPDATE SET
       window_start = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN now() ELSE r.window_start END,
       count = CASE WHEN r.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE r.count + 1 END
     RETURNING count`,
    [key, limit.windowSeconds],
  );
  return rows[0]!.count <= limit.max;
}

export async function resetAttempts(db: Queryable, key: string): Promise<void> {
  await db.query(`DELETE FROM auth_rate_limits WHERE key = $1`, [key]);
}
