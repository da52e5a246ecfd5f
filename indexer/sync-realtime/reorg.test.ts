import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/lib/log.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { compareMirror, deployTestProgram, fundMembers, randomWorkload, transfers, waitForCatchUp, type TestProgram } from "../../test/support/program.ts";
import { Indexer } from "../indexer.ts";

let node: HardhatNode;
let db: TestDatabase;
let program: TestProgram;
let indexer: Indexer;
const controller = new AbortController();
let running: Promise<void>;

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase()]);
  program = await deployTestProgram(node.url);
  await fundMembers(program);
  indexer = new Indexer({
    rpcUrl: node.url, databaseUrl: db.url, deployment: program.deployment, confirmations: 20, pollIntervalMs: 30,
    log: createLogger({ test: "reorg" }, { level: "error" }), signal: controller.signal,
  });
  running = indexer.run();
});
afterAll(async () => {
  controller.abort();
  await running?.catch(() => {});
  await node?.stop();
  await db?.drop();
});

const rpc = <T>(method: string, params: unknown[] = []) => program.publicClient.request({ method: method as never, params: params as never }) as Promise<T>;

describe("reorgs during realtime", () => {
  it("follows the new chain after reverts of depth 1 to 10", async () => {
    await randomWorkload(program, 30, 11);
    await waitForCatchUp(program, db.url);
    for (let depth = 1; depth <= 10; depth++) {
      const snapshot = await rpc<string>("evm_snapshot");
      // The old branch: `depth` blocks the mirror applies.
      await transfers(program, depth, 100 + depth);
      if (depth % 3 === 0) await randomWorkload(program, 3, 200 + depth); // config, NFTs, clawbacks too
      await waitForCatchUp(program, db.url);
      // Replace them with a different branch, one block longer.
      expect(await rpc<boolean>("evm_revert", [snapshot])).toBe(true);
      await transfers(program, depth + 1, 300 + depth);
      await waitForCatchUp(program, db.url);
      const diff = await compareMirror(program, db.url);
      expect(diff.problems, `depth ${depth}`).toEqual([]);
    }
    expect(indexer.status.reorgs).toBeGreaterThanOrEqual(10);
  }, 180_000);

  it("keeps final blocks marked and recent ones not", async () => {
    const pg = await import("pg");
    const c = new pg.default.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(`SELECT max(number) FILTER (WHERE finalized) AS f, max(number) AS n FROM blocks`);
    await c.end();
    expect(BigInt(rows[0].n) - BigInt(rows[0].f)).toBeGreaterThanOrEqual(19n);
  });
});
