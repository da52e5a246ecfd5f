import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { consumeNonceIn, issueNonceIn } from "./nonce-store.ts";

describe("SIWE nonces in Postgres", () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it("spends a nonce once, even under concurrent uses; unknown nonces fail", async () => {
    const nonce = await issueNonceIn(pool);
    expect(nonce).toMatch(/^[A-Za-z0-9]{8,}$/);
    const uses = await Promise.all(Array.from({ length: 8 }, () => consumeNonceIn(pool, nonce)));
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(await consumeNonceIn(pool, "neverissued")).toBe(false);
  });

  it("refuses an expired nonce and sweeps expired ones when issuing", async () => {
    const old = await issueNonceIn(pool);
    await pool.query(`UPDATE auth_nonces SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [old]);
    expect(await consumeNonceIn(pool, old)).toBe(false);
    const stale = await issueNonceIn(pool);
    await pool.query(`UPDATE auth_nonces SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [stale]);
    await issueNonceIn(pool);
    expect((await pool.query(`SELECT 1 FROM auth_nonces WHERE nonce = $1`, [stale])).rowCount).toBe(0);
  });
});
