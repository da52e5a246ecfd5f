/**
 * The secondary indexes only the readers need. A large backfill writes faster without them:
 * building an index once by sorting beats inserting every row into it (the balance index alone
 * cost ~40% of the account writes).
 */
import pg from "pg";
import { closeClient, connectClient, UNBOUNDED_QUERY_MS, type ConnectionOptions } from "../database/connection.ts";

/**
 * The indexes a large backfill may drop and rebuild: exactly the migrations' definitions (names
 * included), so the schema is the same once they are back. Primary keys and unique indexes stay.
 */
export const SECONDARY_INDEXES: { name: string; ddl: string }[] = [
  // Built in two halves side by side (ensureIndexes): each half gets one of the two address indexes.
  {
    name: "point_events_from_address_block_number_log_index_idx",
    ddl: `CREATE INDEX IF NOT EXISTS "point_events_from_address_block_number_log_index_idx" ON "point_events"("from_address", "block_number" DESC, "log_index" DESC)`,
  },
  { name: "point_events_merchant_timestamp_idx", ddl: `CREATE INDEX IF NOT EXISTS "point_events_merchant_timestamp_idx" ON "point_events"("merchant", "timestamp")` },
  { name: "point_events_timestamp_idx", ddl: `CREATE INDEX IF NOT EXISTS "point_events_timestamp_idx" ON "point_events" USING BRIN ("timestamp")` },
  {
    name: "point_events_to_address_block_number_log_index_idx",
    ddl: `CREATE INDEX IF NOT EXISTS "point_events_to_address_block_number_log_index_idx" ON "point_events"("to_address", "block_number" DESC, "log_index" DESC)`,
  },
  { name: "accounts_balance_idx", ddl: `CREATE INDEX IF NOT EXISTS "accounts_balance_idx" ON "accounts"("balance" DESC)` },
  { name: "accounts_last_activity_idx", ddl: `CREATE INDEX IF NOT EXISTS "accounts_last_activity_idx" ON "accounts"("last_activity")` },
];

/**
 * Drops them in one transaction, so a crash leaves them either all present or all missing;
 * `ensureIndexes` (called before the realtime phase, so before /ready can say ready) rebuilds
 * whatever is missing, whichever session dropped it.
 */
export async function dropSecondaryIndexes(c: pg.ClientBase) {
  await c.query("BEGIN");
  try {
    for (const ix of SECONDARY_INDEXES) await c.query(`DROP INDEX IF EXISTS "${ix.name}"`);
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** The secondary indexes missing from the database (dropped by a backfill). */
export async function missingIndexes(c: pg.ClientBase): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(format('%I', n)) IS NULL`,
    [SECONDARY_INDEXES.map((ix) => ix.name)],
  );
  return rows.map((r) => r.name);
}

/**
 * Rebuilds the missing ones; returns their names. Two connections build them side by side (the
 * address indexes are the big ones); each build is its own transaction, so a crash leaves some
 * missing, rebuilt next time.
 */
export async function ensureIndexes(c: pg.ClientBase, url: string, options: ConnectionOptions): Promise<string[]> {
  const missing = new Set(await missingIndexes(c));
  const todo = SECONDARY_INDEXES.filter((ix) => missing.has(ix.name));
  if (!todo.length) return [];
  // Index builds over the whole history are the one kind of statement allowed to run long.
  const build = async (client: pg.ClientBase, list: typeof todo) => {
    await client.query("SET maintenance_work_mem = '256MB'");
    await client.query("SET statement_timeout = 0");
    // pg reads a per-query query_timeout that its types do not declare.
    for (const ix of list) await client.query({ text: ix.ddl, query_timeout: UNBOUNDED_QUERY_MS } as pg.QueryConfig);
  };
  const half = Math.ceil(todo.length / 2);
  let helper: pg.Client | null = null;
  try {
    helper = await connectClient(url, { ...options, applicationName: "loyalty-indexer-index-build" });
    // The writer keeps the biggest share; the helper takes the rest.
    await Promise.all([build(c, todo.slice(0, half)), build(helper, todo.slice(half))]);
    await c.query("RESET maintenance_work_mem");
    await c.query(`SELECT set_config('statement_timeout', $1, false)`, [String(options.timeoutMs)]);
  } finally {
    if (helper) await closeClient(helper);
  }
  return todo.map((ix) => ix.name);
}
