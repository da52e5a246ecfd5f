/**
 * What code that runs SQL needs of Postgres, and nothing more: a pg Pool, a pg Client and a pooled
 * client all fit, so a function written against it runs inside or outside a transaction.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A connection lent by a pool: given back with `release` (`release(true)` destroys it instead). */
export interface PooledConnection extends Queryable {
  release(destroy?: boolean | Error): void;
}

/** A pool: queries on any connection, or one connection lent for a transaction or a session lock. */
export interface PoolLike extends Queryable {
  connect(): Promise<PooledConnection>;
}
