/**
 * Reorgs the indexer does not watch happen: while its process is stopped, and while its RPC is
 * unreachable. Either way, when it resumes it must find the blocks it kept that the chain dropped,
 * roll back to the common ancestor and follow the new branch, at --confirmations 0 (npm run dev)
 * as at 12 (the default), with the chain moving on further than the confirmations meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcFaultProxy } from "../test/support/fault-proxy.ts";
import { startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer, waitForOutput } from "../test/support/indexer-process.ts";
import { mirrorProblems } from "../test/support/mirror-truth.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { deployTestProgram, freshBlocks, fundMembers, randomWorkload, revertChain, snapshotChain, waitForCatchUp, type TestProgram } from "../test/support/program.ts";

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

const REORG_LOGGED = "reorg: rolled back to the common ancestor";
const DEPTH = 3;

for (const confirmations of [0, 12]) {
  describe(`--confirmations ${confirmations}`, () => {
    const args = (rpcUrl: string) => ["--rpc-url", rpcUrl, "--deployment", program.file, "--confirmations", String(confirmations), "--poll-interval", "30", "--port", "0", "--ws-url", "off"];

    it("a reorg while the indexer is stopped is found at restart: the mirror equals the chain", async () => {
      const db = await createTestDatabase();
      let p = spawnIndexer(args(node.url), { DATABASE_URL: db.url });
      try {
        await randomWorkload(program, 6, 40 + confirmations);
        await waitForCatchUp(program, db.url, 60_000);
        const snapshot = await snapshotChain(program);
        await freshBlocks(program, DEPTH, 41 + confirmations); // the branch the mirror applies, then loses
        await waitForCatchUp(program, db.url);
        await p.kill("SIGKILL");
        await revertChain(program, snapshot);
        await freshBlocks(program, DEPTH + 15, 42 + confirmations); // and the chain moves on past the confirmations
        p = spawnIndexer(args(node.url), { DATABASE_URL: db.url });
        await waitForCatchUp(program, db.url, 60_000);
        expect(p.output()).toContain(REORG_LOGGED);
        expect(await mirrorProblems(program, db.url), p.output().slice(-3000)).toEqual([]);
      } finally {
        await p.kill("SIGKILL");
        await db.drop();
      }
    }, 120_000);

    it("a reorg during an RPC outage is found when the RPC answers again: the mirror equals the chain", async () => {
      const db = await createTestDatabase();
      const proxy = await rpcFaultProxy(node.url);
      const p = spawnIndexer(args(proxy.url), { DATABASE_URL: db.url });
      try {
        await randomWorkload(program, 6, 50 + confirmations);
        await waitForCatchUp(program, db.url, 60_000);
        const snapshot = await snapshotChain(program);
        await freshBlocks(program, DEPTH, 51 + confirmations);
        await waitForCatchUp(program, db.url);
        const before = p.output().length;
        await proxy.set("down");
        await waitForOutput(p, "indexer interrupted, retrying", 20_000, before);
        await revertChain(program, snapshot);
        await freshBlocks(program, DEPTH + 15, 52 + confirmations);
        await proxy.set("forward");
        await waitForCatchUp(program, db.url, 60_000);
        expect(p.output().slice(before)).toContain(REORG_LOGGED);
        expect(await mirrorProblems(program, db.url), p.output().slice(-3000)).toEqual([]);
      } finally {
        await p.kill("SIGKILL");
        await proxy.close();
        await db.drop();
      }
    }, 120_000);
  });
}
