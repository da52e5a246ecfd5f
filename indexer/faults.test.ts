import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../scripts/lib/log.ts";
import { rpcFaultProxy } from "../test/support/fault-proxy.ts";
import { freePort, startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer } from "../test/support/indexer-process.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, fundMembers, randomWorkload, waitForCatchUp, type TestProgram } from "../test/support/program.ts";
import { Indexer } from "./indexer.ts";

let node: HardhatNode;
let program: TestProgram;
const log = createLogger({ test: "faults" }, { level: "error" });

beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployTestProgram(node.url);
  await fundMembers(program);
});
afterAll(async () => {
  await node?.stop();
});

const runIndexer = (rpcUrl: string, databaseUrl: string) => {
  const controller = new AbortController();
  const indexer = new Indexer({ rpcUrl, databaseUrl, deployment: program.deployment, confirmations: 5, pollIntervalMs: 30, log, signal: controller.signal });
  const done = indexer.run();
  return { indexer, done, stop: async () => { controller.abort(); await done; } };
};

describe("faults", () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db?.drop(); });

  it("RPC unreachable for a while: retries with backoff and resumes", async () => {
    const proxy = await rpcFaultProxy(node.url);
    const run = runIndexer(proxy.url, db.url);
    try {
      await randomWorkload(program, 15, 501);
      await waitForCatchUp(program, db.url);
      await proxy.set("down");
      await randomWorkload(program, 20, 502); // the chain moves on while the indexer is blind
      await new Promise((r) => setTimeout(r, 1500));
      expect(run.indexer.status.phase).toBe("retrying");
      await proxy.set("forward");
      await waitForCatchUp(program, db.url, 30_000);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
    } finally {
      await run.stop();
      await proxy.close();
    }
  });

  it("its Postgres connection killed (pg_terminate_backend) again and again mid-work", async () => {
    const run = runIndexer(node.url, db.url);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    let stop = false;
    let killed = 0;
    const killer = (async () => {
      while (!stop) {
        const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'loyalty-indexer' AND pid <> pg_backend_pid()`);
        killed += rowCount ?? 0;
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      }
    })();
    try {
      let seed = 503;
      while (killed < 6) await randomWorkload(program, 10, seed++);
      stop = true;
      await killer;
      expect(killed).toBeGreaterThanOrEqual(6);
      await waitForCatchUp(program, db.url, 60_000);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
    } finally {
      stop = true;
      await admin.end();
      await run.stop();
    }
  });

  it("a second indexer on the same database stands by, and takes over when the first dies", async () => {
    const port1 = await freePort();
    const port2 = await freePort();
    const args = (port: number) => ["--rpc-url", node.url, "--deployment", program.file, "--confirmations", "5", "--poll-interval", "30", "--port", String(port)];
    const first = spawnIndexer(args(port1), { DATABASE_URL: db.url });
    let second: ReturnType<typeof spawnIndexer> | null = null;
    try {
      await waitForCatchUp(program, db.url, 30_000);
      second = spawnIndexer(args(port2), { DATABASE_URL: db.url });
      // One of them writes, the other stands by (normally the second; the first may have lost the
      // lock to it during a transient error, which is the same situation).
      const deadline = Date.now() + 60_000;
      const standing = (p: typeof first) => p.output().includes("standing by");
      while (!standing(first) && !standing(second)) {
        if (Date.now() > deadline) throw new Error(`no standby:\n${second.output().slice(-3000)}\n--- first:\n${first.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [writer, standby, standbyPort] = standing(second) ? [first, second, port2] : [second, first, port1];
      const ready2 = await fetch(`http://127.0.0.1:${standbyPort}/ready`);
      expect(ready2.status).toBe(503);
      await randomWorkload(program, 10, 504);
      await waitForCatchUp(program, db.url);
      const before = standby.output().length;
      await writer.kill("SIGKILL");
      await randomWorkload(program, 15, 505);
      await waitForCatchUp(program, db.url, 30_000);
      expect(standby.output().slice(before)).toContain("writer lock acquired");
      const ready = await fetch(`http://127.0.0.1:${standbyPort}/ready`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${standbyPort}/metrics`)).text();
      expect(metrics).toMatch(/indexer_indexed_block \d+/);
      expect(metrics).toMatch(/indexer_lag_blocks 0/);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
    } finally {
      await first.kill("SIGKILL");
      await second?.kill("SIGKILL");
    }
  }, 180_000);
});
