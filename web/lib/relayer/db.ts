/**
 * The database the relayer needs: pg's query shape, and a pool that lends connections for
 * transactions (the nonce row is locked inside one). A pg.Pool is both; tests pass their own.
 */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
export interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(err?: boolean | Error): void }>;
}
