import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../scripts/lib/log.ts";
import { startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, randomWorkload, type TestProgram } from "../test/support/program.ts";
import pg from "pg";
import { Indexer } from "./indexer.ts";
import { SECONDARY_INDEXES, Store } from "./store/store.ts";

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

const runOnce = (confirmations = 0, bulkMinEvents?: number) =>
  new Indexer({ rpcUrl: node.url, databaseUrl: db.url, deployment: program.deployment, confirmations, pollIntervalMs: 50, log, once: true, bulkMinEvents }).run();

/** The secondary indexes' definitions, as Postgres prints them. */
const indexDefs = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
    return rows.map((r) => `${r.indexname}: ${r.indexdef}`);
  } finally {
    await c.end();
  }
};

describe("mirror equals chain", () => {
  it("after a random workload, backfilled in one go (as a large backfill: indexes dropped, then rebuilt as migrated)", async () => {
    const migrated = await indexDefs(db.url);
    await randomWorkload(program, 120, 1);
    await runOnce(0, 1);
    const diff = await compareMirror(program, db.url);
    expect(diff.problems).toEqual([]);
    expect(diff.events).toBeGreaterThan(100);
    expect(await indexDefs(db.url)).toEqual(migrated);
  });

  it("after more work, resumed from the cursor (indexes a crashed backfill left dropped are rebuilt)", async () => {
    const migrated = await indexDefs(db.url);
    const store = new Store(db.url);
    await store.connect();
    await store.dropSecondaryIndexes();
    expect((await store.missingIndexes()).length).toBe(SECONDARY_INDEXES.length);
    await store.close();
    await randomWorkload(program, 80, 2);
    await runOnce(3);
    const diff = await compareMirror(program, db.url);
    expect(diff.problems).toEqual([]);
    expect(await indexDefs(db.url)).toEqual(migrated);
  });
});

describe("query layer (what the web reads)", () => {
  it("balances, paged history, holders, totals per merchant and day", async () => {
    const { MirrorQueries } = await import("./query/index.ts");
    const { devAccount } = await import("../scripts/lib/dev-accounts.ts");
    const { loyaltyPointsAbi } = await import("../contracts/generated/contracts.ts");
    const { MEMBERS, MERCHANTS } = await import("../test/support/program.ts");
    const q = new MirrorQueries(db.url);
    try {
      for (const m of MEMBERS) {
        const address = devAccount(m).address;
        const chain = await program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [address] });
        expect(await q.accounts.balance(address)).toBe(chain);
        expect((await q.accounts.account(address))?.balance).toBe(chain);
        // The whole history, page by page, newest first, adds up to the balance.
        let sum = 0n;
        let previous: bigint | null = null;
        for (let page = 0; ; page++) {
          const items = await q.history.page(address, page, 7);
          for (const it of items) {
            const key = it.blockNumber * 100_000n + BigInt(it.logIndex);
            if (previous !== null) expect(key).toBeLessThan(previous);
            previous = key;
            sum += it.delta;
          }
          if (items.length < 7) break;
        }
        expect(sum).toBe(chain);
      }
      expect(await q.accounts.balance("0x000000000000000000000000000000000000beef")).toBe(0n);
      const holders = await q.accounts.holders({ limit: 100 });
      for (let i = 1; i < holders.length; i++) expect(holders[i - 1].balance >= holders[i].balance).toBe(true);
      const totals = await q.accounts.totals();
      const supply = await program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "totalSupply" });
      expect(totals.supply).toBe(supply);
      const perMerchant = await q.analytics.merchantDailyTotals();
      const merchants = new Set(perMerchant.map((r) => r.merchant));
      for (const m of merchants) expect(MERCHANTS.map((i) => devAccount(i).address.toLowerCase())).toContain(m);
      const issued = perMerchant.reduce((s, r) => s + r.issued, 0n);
      const daily = await q.analytics.dailyTotals();
      expect(daily.filter((d) => d.kind === "issuance").reduce((s, d) => s + d.amount, 0n)).toBe(issued);
      const rewards = await q.catalog.rewards();
      expect(rewards.map((r) => r.name)).toEqual(["Coffee", "VIP"]);
    } finally {
      await q.close();
    }
  });
});
