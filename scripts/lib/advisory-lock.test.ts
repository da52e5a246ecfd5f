import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PG_URL } from "../../test/support/postgres.ts";
import { advisoryUnlock, LockBusyError, tryAdvisoryLock, waitForAdvisoryLock, withAdvisoryLock, withPooledAdvisoryLock } from "./advisory-lock.ts";

// Keys of this file only, so that a parallel suite's locks never meet these.
const KEY = 0x10c4_7e57;
const NAMESPACE = 0x10c4_7e58;

describe("advisory locks (real Postgres)", () => {
  let a: pg.Client;
  let b: pg.Client;
  let pool: pg.Pool;
  beforeAll(async () => {
    a = new pg.Client({ connectionString: TEST_PG_URL });
    b = new pg.Client({ connectionString: TEST_PG_URL });
    pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 2 });
    await Promise.all([a.connect(), b.connect()]);
  });
  afterAll(async () => {
    await Promise.all([a.end(), b.end(), pool.end()]);
  });

  it("lets one session hold a key; the other gets it once released", async () => {
    expect(await tryAdvisoryLock(a, KEY)).toBe(true);
    expect(await tryAdvisoryLock(b, KEY)).toBe(false);
    expect(await advisoryUnlock(a, KEY)).toBe(true);
    expect(await tryAdvisoryLock(b, KEY)).toBe(true);
    expect(await advisoryUnlock(b, KEY)).toBe(true);
  });

  it("keys by name in a namespace: two names do not exclude each other, one name does", async () => {
    const alice = { namespace: NAMESPACE, name: "0xalice" };
    expect(await tryAdvisoryLock(a, alice)).toBe(true);
    expect(await tryAdvisoryLock(b, { namespace: NAMESPACE, name: "0xbob" })).toBe(true);
    expect(await tryAdvisoryLock(b, alice)).toBe(false);
    await advisoryUnlock(a, alice);
    await advisoryUnlock(b, { namespace: NAMESPACE, name: "0xbob" });
  });

  it("withAdvisoryLock releases after a throw; wait: false fails at once with the caller's error", async () => {
    await expect(withAdvisoryLock(a, KEY, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await tryAdvisoryLock(b, KEY)).toBe(true);
    await expect(withAdvisoryLock(a, KEY, async () => 1, { wait: false })).rejects.toBeInstanceOf(LockBusyError);
    await expect(withPooledAdvisoryLock(pool, KEY, async () => 1, { wait: false, busy: () => new RangeError("busy") })).rejects.toBeInstanceOf(RangeError);
    await advisoryUnlock(b, KEY);
    expect(await withPooledAdvisoryLock(pool, KEY, async () => "ran", { wait: false })).toBe("ran");
    expect(await tryAdvisoryLock(a, KEY)).toBe(true);
    await advisoryUnlock(a, KEY);
  });

  it("waitForAdvisoryLock says once that it waits, and stops when aborted", async () => {
    expect(await tryAdvisoryLock(a, KEY)).toBe(true);
    const controller = new AbortController();
    let waits = 0;
    const waiting = waitForAdvisoryLock(b, KEY, { pollMs: 10, signal: controller.signal, onWait: () => waits++ });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toThrow("aborted");
    expect(waits).toBe(1);
    const taken = waitForAdvisoryLock(b, KEY, { pollMs: 10 });
    await advisoryUnlock(a, KEY);
    await taken;
    expect(await tryAdvisoryLock(a, KEY)).toBe(false);
    await advisoryUnlock(b, KEY);
  });
});
