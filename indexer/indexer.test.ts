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
        expect(await q.getBalance(address)).toBe(chain);
        expect(await q.getBalancePrisma(address)).toBe(chain);
        // The whole history, page by page, newest first, adds up to the balance.
        let sum = 0n;
        let previous: bigint | null = null;
        for (let page = 0; ; page++) {
          const items = await q.getHistory(address, page, 7);
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
      expect(await q.getBalance("0x000000000000000000000000000000000000beef")).toBe(0n);
      const holders = await q.getHolders({ limit: 100 });
      for (let i = 1; i < holders.length; i++) expect(holders[i - 1].balance >= holders[i].balance).toBe(true);
      const totals = await q.getTotals();
      const supply = await program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "totalSupply" });
      expect(totals.supply).toBe(supply);
      const perMerchant = await q.getMerchantDailyTotals();
      const merchants = new Set(perMerchant.map((r) => r.merchant));
      for (const m of merchants) expect(MERCHANTS.map((i) => devAccount(i).address.toLowerCase())).toContain(m);
      const issued = perMerchant.reduce((s, r) => s + r.issued, 0n);
      const daily = await q.getDailyTotals();
      expect(daily.filter((d) => d.kind === "issuance").reduce((s, d) => s + d.amount, 0n)).toBe(issued);
      const rewards = await q.getRewards();
      expect(rewards.map((r) => r.name)).toEqual(["Coffee", "VIP"]);
    } finally {
      await q.close();
    }
  });
});
