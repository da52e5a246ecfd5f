import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer } from "../test/support/indexer-process.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, fundMembers, randomWorkload, rng, waitForCatchUp, type TestProgram } from "../test/support/program.ts";

let node: HardhatNode;
let db: TestDatabase;
let program: TestProgram;

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase()]);
  program = await deployTestProgram(node.url);
  await fundMembers(program);
});
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

describe("crash safety", () => {
  it("kill -9 at random moments, 20 times, while a workload runs: the mirror always equals the chain at its cursor", async () => {
    let stop = false;
    let seed = 1000;
    const workload = (async () => {
      while (!stop) await randomWorkload(program, 5, seed++);
    })();
    const r = rng(7);
    const port = await freePort();
    const args = ["--rpc-url", node.url, "--deployment", program.file, "--confirmations", "3", "--poll-interval", "20", "--port", String(port)];
    let kills = 0;
    let sawProgress = 0;
    let previous = -1n;
    try {
      for (let i = 0; i < 20; i++) {
        const p = spawnIndexer(args, { DATABASE_URL: db.url });
        // Kill somewhere in the first 1.5 s of work (after start-up: tsx, migrations, the lock).
        const deadline = Date.now() + 60_000;
        while (!p.output().includes("writer lock acquired") && Date.now() < deadline && p.child.exitCode === null) {
          await new Promise((res) => setTimeout(res, 10));
        }
        await new Promise((res) => setTimeout(res, Math.floor(r() * 1500)));
        const code = await p.kill("SIGKILL");
        expect(code, p.output()).toBe(null); // it was still running: killed, not exited
        kills++;
        const diff = await compareMirror(program, db.url);
        expect(diff.problems, `after kill ${i + 1}\n${p.output().slice(-2000)}`).toEqual([]);
        const cursor = BigInt(diff.events);
        if (cursor > previous) sawProgress++;
        previous = cursor;
      }
    } finally {
      stop = true;
      await workload;
    }
    expect(kills).toBe(20);
    expect(sawProgress).toBeGreaterThan(5);
    // A last run catches up with everything.
    const p = spawnIndexer(args, { DATABASE_URL: db.url });
    try {
      await waitForCatchUp(program, db.url, 60_000);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
    } finally {
      await p.kill("SIGTERM");
    }
  }, 480_000); // 20 kills take ~100 s alone, over 240 s on two loaded cores
});
