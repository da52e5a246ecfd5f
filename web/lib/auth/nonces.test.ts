import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { consumeNonceIn, issueNonceIn } from "./nonce-store.ts";

describe("SIWE nonces in Postgres", () => {
  const suite = useTestDatabase();

  it("spends a nonce once, even under concurrent uses; unknown nonces fail", async () => {
    const nonce = await issueNonceIn(suite.pool);
    expect(nonce).toMatch(/^[A-Za-z0-9]{8,}$/);
    const uses = await Promise.all(Array.from({ length: 8 }, () => consumeNonceIn(suite.pool, nonce)));
    expect(uses.filter(Boolean)).toHaveLength(1);
    expect(await consumeNonceIn(suite.pool, "neverissued")).toBe(false);
  });

  it("refuses an expired nonce and sweeps expired ones when issuing", async () => {
    const old = await issueNonceIn(suite.pool);
    await suite.pool.query(`UPDATE auth_nonces SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [old]);
    expect(await consumeNonceIn(suite.pool, old)).toBe(false);
    const stale = await issueNonceIn(suite.pool);
    await suite.pool.query(`UPDATE auth_nonces SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [stale]);
    await issueNonceIn(suite.pool);
    expect((await suite.pool.query(`SELECT 1 FROM auth_nonces WHERE nonce = $1`, [stale])).rowCount).toBe(0);
  });
});
