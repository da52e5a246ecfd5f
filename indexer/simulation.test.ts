/**
 * A simulation in the spirit of Ponder's: one seed drives a random interleaving of program activity,
 * `kill -9` and SIGTERM of the indexer process, restarts (with other --confirmations), RPC faults
 * through a proxy (500s, dropped and cut responses, hangs, outages), database black holes (a TCP
 * proxy) and killed connections, and reorgs (evm_revert of 1 to 10 blocks, then a new branch), some
 * while the indexer is stopped or cut off. While it runs, every /ready 200 is checked against the
 * truth (the chain's head, the mirror's cursor); at checkpoints and at the end the mirror must equal
 * the chain row by row.
 *
 * CI runs a fixed seed for SIM_SECONDS (default 40). `npm run test:soak` runs a random seed for longer;
 * the seed is printed, and SIM_SEED=<seed> replays the same choices (the timing still differs).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcFaultProxy, tcpProxy, type RpcFaultProxy, type RpcMode, type TcpProxy } from "../test/support/fault-proxy.ts";
import { freePort, startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer, type IndexerProcess } from "../test/support/indexer-process.ts";
import { mirrorProblems } from "../test/support/mirror-truth.ts";
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, freshBlocks, fundMembers, randomWorkload, revertChain, rng, snapshotChain, waitForCatchUp, type TestProgram } from "../test/support/program.ts";

const SEED = process.env.SIM_SEED === "random" || process.env.SIM_SEED === "" ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.SIM_SEED ?? 17);
const SECONDS = Number(process.env.SIM_SECONDS ?? 40);
const READY_MAX_AGE_S = 2;
const READY_MAX_LAG = 1;

let node: HardhatNode;
let db: TestDatabase;
let program: TestProgram;
let proxy: RpcFaultProxy;
let dbProxy: TcpProxy;
/** The test database through dbProxy. */
let dbViaProxy: string;

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase()]);
  program = await deployTestProgram(node.url);
  await fundMembers(program);
  proxy = await rpcFaultProxy(node.url);
  dbProxy = await tcpProxy(Number(new URL(TEST_PG_URL).port || 5432));
  const url = new URL(db.url);
  url.port = String(dbProxy.port);
  dbViaProxy = url.toString();
});
afterAll(async () => {
  await proxy?.close();
  await dbProxy?.close();
  await node?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`simulation (seed ${SEED}, ${SECONDS} s)`, () => {
  it("random workload, kills, restarts, RPC faults and reorgs: /ready never lies, and the mirror ends equal to the chain", async () => {
    console.log(`indexer simulation: seed ${SEED}, ${SECONDS} s (replay with SIM_SEED=${SEED})`);
    const r = rng(SEED);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
    const port = await freePort();
    const history: string[] = [];
    const say = (what: string) => history.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
    const context = () => `seed ${SEED}\n${history.slice(-40).join("\n")}`;
    const started = Date.now();

    // The indexer process, restarted at will; an exit the simulation did not ask for is a failure.
    let p: IndexerProcess | null = null;
    let expectedExit = false;
    const unexpected: string[] = [];
    const start = () => {
      const confirmations = pick([0, 0, 3, 12]);
      say(`start (--confirmations ${confirmations})`);
      const child = spawnIndexer(
        ["--rpc-url", proxy.url, "--deployment", program.file, "--confirmations", String(confirmations), "--poll-interval", "30", "--port", String(port),
          "--ws-url", "off", "--ready-max-age", String(READY_MAX_AGE_S), "--ready-max-lag", String(READY_MAX_LAG), "--rpc-timeout", "3000", "--db-timeout", "3000"],
        { DATABASE_URL: dbViaProxy },
      );
      expectedExit = false;
      void child.exited.then((code) => {
        if (!expectedExit) unexpected.push(`exit ${code ?? child.child.signalCode}:\n${child.output().slice(-3000)}`);
      });
      p = child;
    };
    const halt = async (signal: "SIGKILL" | "SIGTERM") => {
      if (!p) return;
      const child = p;
      p = null;
      expectedExit = true;
      say(signal === "SIGKILL" ? "kill -9" : "SIGTERM");
      const code = await child.kill(signal);
      // Before its first log line the process has no signal handler yet (still loading): it dies of the signal, harmlessly.
      if (signal === "SIGTERM" && code !== 0 && child.output() !== "") unexpected.push(`SIGTERM exit ${code}:\n${child.output().slice(-3000)}`);
    };

    // Snapshots of the chain, newest last, to reorg to.
    const snapshots: { id: string; block: bigint }[] = [];
    const head = () => program.publicClient.getBlockNumber({ cacheTime: 0 });
    const snapshot = async () => {
      snapshots.push({ id: await snapshotChain(program), block: await head() });
      if (snapshots.length > 40) snapshots.shift();
    };

    // The /ready truth: a 200 at time T claims a check against a head fetched after T - max age, and
    // the mirror within the max lag of it. The chain's head at that time is at least the last one
    // seen before it; the mirror's cursor can only have moved forward since (a rollback counts as
    // "not ready" until re-applied). Reorgs make heads go back: history restarts at each.
    const heads: { at: number; block: bigint }[] = [];
    const lies: string[] = [];
    let readyAnswers = 0;
    let sampling = true;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const sampler = (async () => {
      while (sampling) {
        await sleep(120);
        try {
          heads.push({ at: Date.now(), block: await head() });
          if (!p) continue;
          const asked = Date.now();
          const ready = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1_000) }).then((res) => res.status, () => 0);
          if (ready !== 200) continue;
          readyAnswers++;
          const { rows } = await admin.query(`SELECT cursor_number::text AS n FROM indexer_state`);
          const cursor = BigInt(rows[0].n);
          const before = heads.filter((h) => h.at <= asked - READY_MAX_AGE_S * 1000).at(-1);
          if (before && cursor < before.block - BigInt(READY_MAX_LAG)) {
            lies.push(`/ready 200 at ${((asked - started) / 1000).toFixed(1)}s with the mirror at ${cursor}, the chain at ${before.block} ${READY_MAX_AGE_S} s earlier`);
          }
        } catch {
          /* a sample lost to a fault is no evidence either way */
        }
      }
    })();

    let seed = SEED * 1000;
    /** A reorg: back to a snapshot 1 to 10 blocks below the head, then a new branch (maybe longer). */
    const reorg = async (where: string) => {
      const now = await head();
      const candidates = snapshots.filter((s) => s.block < now && now - s.block <= 10n);
      if (!candidates.length) return;
      const to = pick(candidates);
      snapshots.splice(snapshots.indexOf(to));
      await revertChain(program, to.id);
      heads.length = 0;
      const branch = Math.floor(r() * Number(now - to.block + 12n));
      say(`reorg ${where}: ${now - to.block} blocks reverted, ${branch} new`);
      await freshBlocks(program, branch, seed++);
      await snapshot();
    };
    /** Faults off until the mirror reaches the chain, then compared with it (a wrong state that a later reorg would wash away is caught here). */
    let lastCheckpoint = Date.now();
    const checkpoint = async () => {
      lastCheckpoint = Date.now();
      await proxy.set("forward");
      await dbProxy.set("forward");
      if (!p) start();
      say("checkpoint");
      await waitForCatchUp(program, db.url, 60_000).catch((error) => {
        throw new Error(`${(error as Error).message}\n${context()}\n${(p as IndexerProcess | null)?.output().slice(-3000)}`);
      });
      const diff = await compareMirror(program, db.url);
      expect(diff.problems, context()).toEqual([]);
    };
    try {
      start();
      await snapshot();
      while (Date.now() - started < SECONDS * 1000) {
        const x = r();
        if (x < 0.3) {
          const steps = 1 + Math.floor(r() * 5);
          say(`workload ${steps}`);
          await randomWorkload(program, steps, seed++);
          await snapshot();
        } else if (x < 0.4) {
          await reorg(p ? "live" : "while stopped");
        } else if (x < 0.48) {
          // The indexer away while the chain reorganises and moves on.
          await halt(r() < 0.7 ? "SIGKILL" : "SIGTERM");
          if (r() < 0.5) await randomWorkload(program, 1 + Math.floor(r() * 3), seed++).then(snapshot);
          await reorg("while stopped");
          if (r() < 0.7) start();
        } else if (x < 0.55) {
          await halt(r() < 0.7 ? "SIGKILL" : "SIGTERM");
          if (r() < 0.6) start(); // else it stays down for a while: what follows happens while it is away
        } else if (x < 0.6) {
          if (!p) start();
        } else if (x < 0.75) {
          const mode: RpcMode = pick<RpcMode>([
            "down", "hang",
            { error500: 0.15, drop: 0.1, cut: 0.1, delayMs: 80 },
            { error500: 0.05, cut: 0.2, hang: 0.03 },
            { drop: 0.3 },
          ]);
          const ms = 200 + Math.floor(r() * 2_500);
          say(`RPC ${typeof mode === "string" ? mode : JSON.stringify(mode)} for ${ms} ms`);
          await proxy.set(mode, seed++);
          const t = Date.now();
          if (r() < 0.4) await reorg("during the RPC fault");
          else if (r() < 0.5) await randomWorkload(program, 1 + Math.floor(r() * 3), seed++).then(snapshot);
          await sleep(Math.max(0, ms - (Date.now() - t)));
          await proxy.set("forward");
        } else if (x < 0.78) {
          const ms = 500 + Math.floor(r() * 3_000);
          say(`database black hole for ${ms} ms`);
          await dbProxy.set("blackhole");
          if (r() < 0.5) await randomWorkload(program, 1 + Math.floor(r() * 4), seed++).then(snapshot);
          await sleep(ms);
          await dbProxy.set("forward");
        } else if (x < 0.81) {
          say("database connection killed");
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'loyalty-indexer'`);
        } else if (x < 0.88) {
          if (Date.now() - lastCheckpoint > 8_000) await checkpoint();
        } else {
          await sleep(Math.floor(r() * 600));
        }
        if (!p && r() < 0.15) start();
      }

      // Calm: faults off, the indexer up, the mirror must reach the chain and equal it.
      await proxy.set("forward");
      await dbProxy.set("forward");
      if (!p) start();
      say("calm");
      await waitForCatchUp(program, db.url, 60_000).catch((error) => {
        throw new Error(`${(error as Error).message}\n${context()}\n${(p as IndexerProcess | null)?.output().slice(-3000)}`);
      });
      sampling = false;
      await sampler;
      expect(unexpected, context()).toEqual([]);
      expect(lies, context()).toEqual([]);
      expect(readyAnswers, context()).toBeGreaterThan(0);
      expect(await mirrorProblems(program, db.url), context()).toEqual([]);
      const reorgsLogged = history.filter((h) => h.includes("blocks reverted")).length;
      if (process.env.SIM_VERBOSE) console.log(`${history.join("\n")}\n${(p as IndexerProcess | null)?.output()}`);
      console.log(`indexer simulation: seed ${SEED}: ${history.length} actions (${reorgsLogged} reorgs), ${readyAnswers} /ready 200 checked, RPC proxy ${JSON.stringify(proxy.stats)}`);
    } finally {
      sampling = false;
      await sampler;
      await admin.end();
      await halt("SIGKILL");
    }
  }, (SECONDS + 150) * 1000);
});
