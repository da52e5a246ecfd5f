/**
 * A database restart (or an administrator ending sessions) must not crash the web server: the idle
 * connections of the mirror's read pool die with an 'error' event, which an unhandled pool turns
 * into an uncaught exception. After it, the next read simply opens a new connection.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from "../../test/support/postgres.ts";
import { MirrorQueries } from "./index.ts";

let db: TestDatabase;
let queries: MirrorQueries;
beforeAll(async () => {
  db = await createTestDatabase();
  queries = new MirrorQueries(db.url);
});
afterAll(async () => {
  await queries?.close();
  await db?.drop();
});

it("keeps serving after the server terminated its idle connections", async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    await Promise.all([queries.pool.query("SELECT 1"), queries.pool.query("SELECT 1")]);
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'loyalty-query'", [db.name]);
    await admin.end();
    expect(rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await queries.pool.query("SELECT 41 + 1 AS answer");
    expect(rows[0].answer).toBe(42);
    expect(uncaught).toEqual([]);
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});
