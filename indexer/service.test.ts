/**
 * The indexer as a service under a supervisor: what /ready and /health say while its database or
 * its RPC stalls (through proxies in this process that black-hole the real connections), how it
 * starts while Postgres is still down, how it stops on SIGTERM, and that the RPC URL's secret path
 * never reaches its log.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcFaultProxy, tcpProxy } from "../test/support/fault-proxy.ts";
import { freePort, startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer, waitForOutput, type IndexerProcess } from "../test/support/indexer-process.ts";
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, fundMembers, randomWorkload, waitForCatchUp, type TestProgram } from "../test/support/program.ts";

let node: HardhatNode;
let program: TestProgram;

beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployTestProgram(node.url);
  await fundMembers(program);
});
afterAll(async () => {
  await node?.stop();
});

const READY_MAX_AGE_S = 2;
const pgPort = Number(new URL(TEST_PG_URL).port || 5432);
/** The test database's URL through a proxy on `port`. */
const viaProxy = (db: TestDatabase, port: number) => {
  const url = new URL(db.url);
  url.port = String(port);
  return url.toString();
};

const probe = async (port: number, path: "/ready" | "/health") => {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch (error) {
    return { status: 0, body: { error: (error as Error).message } };
  }
};

/** Polls `path` until `test` holds; returns how long it took (ms); throws after `timeoutMs`. */
async function until(port: number, path: "/ready" | "/health", test: (r: Awaited<ReturnType<typeof probe>>) => boolean, timeoutMs: number, p: IndexerProcess) {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    const r = await probe(port, path);
    if (test(r)) return Date.now() - started;
    last = r;
    await new Promise((res) => setTimeout(res, 100));
    if (p.child.exitCode !== null || p.child.signalCode !== null) break;
  }
  throw new Error(`${path} did not turn as expected in ${timeoutMs} ms (last ${JSON.stringify(last)}):\n${p.output().slice(-3000)}`);
}

const serviceArgs = (rpcUrl: string, port: number) => [
  "--rpc-url", rpcUrl, "--deployment", program.file, "--confirmations", "2", "--poll-interval", "50", "--port", String(port), "--ws-url", "off",
  // Timeouts longer than --ready-max-age, as with the defaults (10 s, 15 s against 10 s): /ready must
  // turn on the staleness of its last check, before any timeout ends the session.
  "--ready-max-age", String(READY_MAX_AGE_S), "--rpc-timeout", "6000", "--db-timeout", "6000",
];

/** Keeps transactions coming (one block each) until stopped. */
function background(seed: number) {
  let stop = false;
  const done = (async () => {
    while (!stop) await randomWorkload(program, 3, seed++);
  })();
  return async () => {
    stop = true;
    await done;
  };
}

describe("/ready tells the truth", () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db?.drop(); });

  it("a database black hole turns /ready 503 within --ready-max-age and /health reports it; both recover", async () => {
    const proxy = await tcpProxy(pgPort);
    const port = await freePort();
    const p = spawnIndexer(serviceArgs(node.url, port), { DATABASE_URL: viaProxy(db, proxy.port) });
    const stopWork = background(800);
    try {
      await until(port, "/ready", (r) => r.status === 200, 60_000, p);
      await proxy.set("blackhole");
      const tookMs = await until(port, "/ready", (r) => r.status === 503, 10_000, p);
      expect(tookMs).toBeLessThan(READY_MAX_AGE_S * 1000 + 1_500);
      await until(port, "/health", (r) => typeof r.body.lastError === "string", 5_000, p);
      await new Promise((res) => setTimeout(res, 3_000));
      expect((await probe(port, "/ready")).status).toBe(503); // as long as the stall lasts
      await proxy.set("forward");
      await until(port, "/ready", (r) => r.status === 200, 45_000, p);
      await stopWork();
      await waitForCatchUp(program, db.url, 30_000);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
      expect((await probe(port, "/health")).body.lastError).toBe(null);
    } finally {
      await stopWork();
      await p.kill("SIGKILL");
      await proxy.close();
    }
  }, 120_000);

  it("an RPC that hangs turns /ready 503 within --ready-max-age and /health reports it; both recover", async () => {
    const proxy = await rpcFaultProxy(node.url);
    const port = await freePort();
    const p = spawnIndexer(serviceArgs(proxy.url, port), { DATABASE_URL: db.url });
    const stopWork = background(900);
    try {
      await until(port, "/ready", (r) => r.status === 200, 60_000, p);
      await proxy.set("hang");
      const tookMs = await until(port, "/ready", (r) => r.status === 503, 10_000, p);
      expect(tookMs).toBeLessThan(READY_MAX_AGE_S * 1000 + 1_500);
      await until(port, "/health", (r) => typeof r.body.lastError === "string", 5_000, p);
      await proxy.set("forward");
      await until(port, "/ready", (r) => r.status === 200, 45_000, p);
      await stopWork();
      await waitForCatchUp(program, db.url, 30_000);
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
    } finally {
      await stopWork();
      await p.kill("SIGKILL");
      await proxy.close();
    }
  }, 120_000);
});

describe("starting and stopping like a service", () => {
  it("Postgres down at start: retries with backoff, saying so, and comes up by itself once it answers", async () => {
    const db = await createTestDatabase();
    const proxy = await tcpProxy(pgPort, "refuse");
    const port = await freePort();
    const p = spawnIndexer(serviceArgs(node.url, port), { DATABASE_URL: viaProxy(db, proxy.port) });
    try {
      await waitForOutput(p, "database unreachable, retrying", 30_000);
      await new Promise((res) => setTimeout(res, 1_500));
      expect(p.child.exitCode).toBe(null);
      await proxy.set("forward");
      await until(port, "/ready", (r) => r.status === 200, 60_000, p);
      await waitForCatchUp(program, db.url, 30_000);
    } finally {
      await p.kill("SIGKILL");
      await proxy.close();
      await db.drop();
    }
  }, 120_000);

  it("SIGTERM while it writes: the batch finishes or rolls back, the lock is released, exit 0, 'indexer stopped'", async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const p = spawnIndexer(serviceArgs(node.url, port), { DATABASE_URL: db.url });
    const stopWork = background(950);
    try {
      await until(port, "/ready", (r) => r.status === 200, 60_000, p);
      await new Promise((res) => setTimeout(res, 500));
      const code = await p.kill("SIGTERM");
      expect(code, p.output().slice(-3000)).toBe(0);
      expect(p.output()).toContain('"msg":"indexer stopped"');
      await stopWork();
      expect((await compareMirror(program, db.url)).problems).toEqual([]);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      await c.end();
      expect(rows[0].n).toBe(0);
    } finally {
      await stopWork();
      await p.kill("SIGKILL");
      await db.drop();
    }
  }, 120_000);
});

describe("the embedded Postgres (no DATABASE_URL)", () => {
  it("SIGTERM stops the indexer and then its embedded server: exit 0, 'indexer stopped', the server gone", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "indexer-embedded-"));
    chmodSync(dataDir, 0o755); // as root, the embedded server runs as another user that must reach it
    const port = await freePort();
    const p = spawnIndexer(serviceArgs(node.url, port).concat("--data-dir", dataDir), { DATABASE_URL: undefined });
    try {
      await until(port, "/ready", (r) => r.status === 200, 90_000, p);
      expect(existsSync(path.join(dataDir, "postgres/postmaster.pid"))).toBe(true);
      const code = await p.kill("SIGTERM");
      expect(code, p.output().slice(-3000)).toBe(0);
      expect(p.output()).toContain('"msg":"indexer stopped"');
      expect(existsSync(path.join(dataDir, "postgres/postmaster.pid"))).toBe(false);
    } finally {
      await p.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("secrets", () => {
  it("the RPC URL's path (a provider's API key) and credentials never reach the log, even in errors", async () => {
    const db = await createTestDatabase();
    const proxy = await rpcFaultProxy(node.url, { path: "/v3/SECRETKEY0123" });
    const rpcUrl = proxy.url.replace("http://", "http://user:PASSWORD0123@");
    const port = await freePort();
    const p = spawnIndexer(["--rpc-url", rpcUrl, "--deployment", program.file, "--confirmations", "0", "--poll-interval", "50", "--port", String(port), "--rpc-timeout", "1000"], { DATABASE_URL: db.url, LOG_LEVEL: "debug" });
    try {
      await until(port, "/ready", (r) => r.status === 200, 60_000, p);
      const before = p.output().length;
      await proxy.set("down");
      await waitForOutput(p, "indexer interrupted, retrying", 20_000, before);
      await proxy.set("hang");
      await waitForOutput(p, /timed out|timeout/i, 20_000, before);
      const health = JSON.stringify((await probe(port, "/health")).body);
      await proxy.set("forward");
      await until(port, "/ready", (r) => r.status === 200, 45_000, p);
      expect(p.output()).toContain(`127.0.0.1:${proxy.port}`); // the origin is there, for the operator
      for (const text of [p.output(), health]) {
        expect(text).not.toContain("SECRETKEY0123");
        expect(text).not.toContain("PASSWORD0123");
      }
    } finally {
      await p.kill("SIGKILL");
      await proxy.close();
      await db.drop();
    }
  }, 120_000);
});
