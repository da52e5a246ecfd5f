/**
 * One member cannot starve the others: the member locks (web/lib/custody/forward.ts) share a pool
 * of 10 connections (web/lib/custody/server.ts). An attacker's own account sending 20 actions at
 * once must not make another member's action wait. Against a real Postgres, with a pool sized as
 * the server's.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemberBusyError, withMemberLock } from "../../../web/lib/custody/forward.ts";
import { createTestDatabase, type TestDatabase } from "../../support/postgres.ts";

let db: TestDatabase;
let locks: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  locks = new pg.Pool({ connectionString: db.url, max: 10 });
});
afterAll(async () => {
  await locks?.end();
  await db?.drop();
});

const attacker = "0x00000000000000000000000000000000000a77ac" as const;
const victim = "0x000000000000000000000000000000000000b0b0" as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("member locks", () => {
  it("one member's 20 concurrent actions do not delay another member's action", async () => {
    // Each of the attacker's actions would run for 2 s (a slow relay).
    const flood = Array.from({ length: 20 }, () => withMemberLock(locks, attacker, () => sleep(2_000)).then(() => "done", (e) => (e instanceof MemberBusyError ? "busy" : String(e))));
    await sleep(100);
    const start = Date.now();
    await withMemberLock(locks, victim, async () => {});
    const waited = Date.now() - start;
    const outcomes = await Promise.all(flood);
    expect(waited).toBeLessThan(500);
    // The attacker's own actions: one runs, the others are told at once that one is running.
    expect(outcomes.filter((o) => o === "done")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "busy")).toHaveLength(19);
    // Nothing is left holding a connection or a lock.
    expect(locks.totalCount - locks.idleCount).toBe(0);
    await withMemberLock(locks, attacker, async () => {});
  });

  it("still runs one action of a member at a time", async () => {
    let running = 0;
    let most = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        withMemberLock(locks, victim, async () => {
          most = Math.max(most, ++running);
          await sleep(200);
          running--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
  });
});
