import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../scripts/lib/log.ts";
import { startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, randomWorkload, type TestProgram } from "../test/support/program.ts";
import { Indexer } from "./indexer.ts";

let node: HardhatNode;
let db: TestDatabase;
let program: TestProgram;
const log = createLogger({ test: "indexer" }, { level: "warn" });

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase()]);
  program = await deployTestProgram(node.url);
});
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

const runOnce = (confirmations = 0) =>
  new Indexer({ rpcUrl: node.url, databaseUrl: db.url, deployment: program.deployment, confirmations, pollIntervalMs: 50, log, once: true }).run();

describe("mirror equals chain", () => {
  it("after a random workload, backfilled in one go", async () => {
    await randomWorkload(program, 120, 1);
    await runOnce();
    const diff = await compareMirror(program, db.url);
    expect(diff.problems).toEqual([]);
    expect(diff.events).toBeGreaterThan(100);
  });

  it("after more work, resumed from the cursor", async () => {
    await randomWorkload(program, 80, 2);
    await runOnce(3);
    const diff = await compareMirror(program, db.url);
    expect(diff.problems).toEqual([]);
  });
});
