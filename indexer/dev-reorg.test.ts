/**
 * The dev stack's indexer (`npm run dev` runs it with --confirmations 0 --reset-on-mismatch) on a
 * local chain that a developer rewinds with evm_snapshot / evm_revert: every revert of 1 to 10
 * blocks, followed by a shorter, equal or longer new branch, is a reorg the indexer follows. It
 * never dies of one, and the mirror equals the chain after each.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer } from "../test/support/indexer-process.ts";
import { mirrorProblems } from "../test/support/mirror-truth.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, freshBlocks, fundMembers, randomWorkload, revertChain, snapshotChain, transfers, waitForCatchUp, type TestProgram } from "../test/support/program.ts";

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

describe("the dev stack's indexer and evm_revert", () => {
  it("survives reverts of 1 to 10 blocks, each followed by a shorter, equal or longer branch", async () => {
    const port = await freePort();
    const p = spawnIndexer(["--rpc-url", node.url, "--deployment", program.file, "--port", String(port), "--reset-on-mismatch", "--confirmations", "0", "--poll-interval", "30"], { DATABASE_URL: db.url });
    try {
      await randomWorkload(program, 10, 70);
      await waitForCatchUp(program, db.url, 60_000);
      for (let depth = 1; depth <= 10; depth++) {
        const snapshot = await snapshotChain(program);
        await freshBlocks(program, Math.ceil(depth / 2), 700 + depth);
        await transfers(program, Math.floor(depth / 2), 710 + depth);
        await waitForCatchUp(program, db.url);
        await revertChain(program, snapshot);
        const branch = depth - 1 + (depth % 3); // depth - 1, depth or depth + 1 blocks
        await freshBlocks(program, branch, 720 + depth);
        await waitForCatchUp(program, db.url);
        expect(p.child.exitCode, p.output().slice(-3000)).toBe(null);
        expect((await compareMirror(program, db.url)).problems, `depth ${depth}`).toEqual([]);
      }
      expect(await mirrorProblems(program, db.url)).toEqual([]);
      expect(p.output().split("reorg: rolled back to the common ancestor").length - 1).toBeGreaterThanOrEqual(10);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
    } finally {
      await p.kill("SIGKILL");
    }
  }, 180_000);
});
