/**
 * Postgres advisory locks, the one way processes here agree that only one of them does something
 * (the indexer's single writer, the migrator, one action per member, the test template). A session
 * lock belongs to the CONNECTION: take it on a dedicated client (pg.Client or a pool's lent
 * connection), never on a pool's `query`, which may run the unlock on another connection.
 *
 * A key is one 64-bit number, or a namespace and a name (the two-int form, the name hashed with
 * Postgres's `hashtext`), e.g. `{ namespace: MEMBER_LOCK, name: address }`.
 */
import type { PoolLike, Queryable } from "./queryable.ts";

export type LockKey = number | bigint | { namespace: number; name: string };

function call(fn: "pg_advisory_lock" | "pg_try_advisory_lock" | "pg_advisory_unlock", key: LockKey): [string, unknown[]] {
  if (typeof key === "object") return [`SELECT ${fn}($1, hashtext($2)) AS ok`, [key.namespace, key.name]];
  return [`SELECT ${fn}($1) AS ok`, [key.toString()]];
}

/** Takes the lock if it is free; false at once when another session holds it. */
export async function tryAdvisoryLock(db: Queryable, key: LockKey): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(...call("pg_try_advisory_lock", key));
  return rows[0]?.ok === true;
}

/** Waits in Postgres until the lock is free, then holds it. */
export async function advisoryLock(db: Queryable, key: LockKey): Promise<void> {
  await db.query(...call("pg_advisory_lock", key));
}

/** Releases the lock; false when this session did not hold it. */
export async function advisoryUnlock(db: Queryable, key: LockKey): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(...call("pg_advisory_unlock", key));
  return rows[0]?.ok === true;
}

/**
 * Polls until the lock is taken, so that a waiter can be stopped (`signal`) and say once that it
 * waits (`onWait`), which a blocking `pg_advisory_lock` allows neither of.
 */
export async function waitForAdvisoryLock(
  db: Queryable,
  key: LockKey,
  options: { pollMs?: number; signal?: AbortSignal; onWait?: () => void } = {},
): Promise<void> {
  let warned = false;
  for (;;) {
    if (await tryAdvisoryLock(db, key)) return;
    if (!warned) options.onWait?.();
    warned = true;
    if (options.signal?.aborted) throw new Error("aborted while waiting for an advisory lock");
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}

export class LockBusyError extends Error {
  override name = "LockBusyError";
}

export interface LockOptions {
  /** false: do not wait for a held lock, throw `busy()` (default LockBusyError) at once. */
  wait?: boolean;
  busy?: () => Error;
}

async function take(db: Queryable, key: LockKey, options: LockOptions) {
  if (options.wait ?? true) await advisoryLock(db, key);
  else if (!(await tryAdvisoryLock(db, key))) throw options.busy?.() ?? new LockBusyError("the lock is held by another session");
}

/**
 * Runs `fn` holding the lock on `db` (a dedicated connection), released afterwards even when `fn`
 * throws.
 */
export async function withAdvisoryLock<T>(db: Queryable, key: LockKey, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await take(db, key, options);
  try {
    return await fn();
  } finally {
    await advisoryUnlock(db, key).catch(() => false);
  }
}

/**
 * Runs `fn` holding the lock on a connection lent by `pool`. A connection whose unlock failed may
 * still hold the lock: it is destroyed rather than lent again.
 */
export async function withPooledAdvisoryLock<T>(pool: PoolLike, key: LockKey, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const client = await pool.connect();
  let locked = false;
  let broken = false;
  try {
    await take(client, key, options);
    locked = true;
    return await fn();
  } finally {
    if (locked) broken = !(await advisoryUnlock(client, key).catch(() => false));
    client.release(broken);
  }
}
