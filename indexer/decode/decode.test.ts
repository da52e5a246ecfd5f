import { decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { aggregateAccounts, migrationsOf } from "../store/projection.ts";
import { ZERO_ADDRESS as ZERO } from "../../contracts/spec/index.ts";
import { decodeLogs, toPointHistory, UnknownLogError, type LogLike } from "./index.ts";

const points = "0x00000000000000000000000000000000000000a1";
const rewards = "0x00000000000000000000000000000000000000b2";
const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";
const M = "0x3333333333333333333333333333333333333333";
const ref = `0x${"12".repeat(32)}` as Hex;
let index = 0;
const log = (tx: string, eventName: string, args: Record<string, unknown>, data: Hex = "0x"): LogLike => ({
  address: points,
  topics: encodeEventTopics({ abi: loyaltyPointsAbi, eventName: eventName as never, args: args as never }) as Hex[],
  data,
  blockNumber: 5n,
  blockHash: `0x${"aa".repeat(32)}`,
  transactionHash: tx as Hex,
  logIndex: index++,
});
const u256 = (v: bigint) => encodeAbiParameters([{ type: "uint256" }], [v]);

describe("decode", () => {
  it("folds mints and burns into the event that explains them, keeps plain transfers", () => {
    index = 0;
    const t1 = `0x${"01".repeat(32)}`, t2 = `0x${"02".repeat(32)}`, t3 = `0x${"03".repeat(32)}`;
    const logs = [
      log(t1, "Transfer", { from: ZERO, to: A }, u256(100n)),
      log(t1, "PointsIssued", { merchant: M, member: A, ref }, u256(100n)),
      log(t2, "Transfer", { from: A, to: B }, u256(30n)),
      log(t3, "Transfer", { from: A, to: ZERO }, u256(10n)),
      log(t3, "IssuanceAllowanceSet", { merchant: M }, encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [1n, 11n])),
      log(t3, "PointsClawedBack", { merchant: M, member: A, ref }, u256(10n)),
    ];
    const events = decodeLogs(logs, { points, rewards });
    expect(events.map((e) => e.event.eventName)).toEqual(["Transfer", "PointsIssued", "Transfer", "Transfer", "IssuanceAllowanceSet", "PointsClawedBack"]);
    const h = toPointHistory(events);
    expect(h.map((x) => [x.kind, x.from, x.to, x.amount, x.logIndex, x.transferIndex])).toEqual([
      ["issuance", null, A, 100n, 1, 0],
      ["transfer", A, B, 30n, 2, 2],
      ["clawback", A, null, 10n, 5, 3],
    ]);
    expect(h[0].merchant).toBe(M);
    expect(h[0].ref).toBe(ref);
  });

  it("rejects logs of other contracts and semantic events without their transfer", () => {
    index = 0;
    const l = log(`0x${"04".repeat(32)}`, "PointsIssued", { merchant: M, member: A, ref }, u256(1n));
    expect(() => decodeLogs([{ ...l, address: B }], { points, rewards })).toThrow(UnknownLogError);
    expect(() => toPointHistory(decodeLogs([l], { points, rewards }))).toThrow(/without the Transfer/);
  });

  it("decodes the hot events by hand exactly as viem does (addresses lowercase)", () => {
    index = 0;
    const mixed = "0xabcdef0123456789abcdef0123456789abcdef01";
    const logs = [
      log(`0x${"05".repeat(32)}`, "Transfer", { from: mixed, to: A }, u256(7n)),
      log(`0x${"05".repeat(32)}`, "PointsIssued", { merchant: mixed, member: A, ref }, u256(2n ** 255n + 3n)),
    ];
    const events = decodeLogs(logs, { points, rewards });
    logs.forEach((l, i) => {
      const v = decodeEventLog({ abi: loyaltyPointsAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]], strict: true });
      const lower = Object.fromEntries(Object.entries(v.args).map(([k, x]) => [k, typeof x === "string" ? x.toLowerCase() : x]));
      expect(events[i].event).toEqual({ eventName: v.eventName, args: lower });
    });
  });

  it("decodes agents and migrations: the migration's Transfer stays a transfer, AccountMigrated carries the lifetime", () => {
    index = 0;
    const t1 = `0x${"06".repeat(32)}`, t2 = `0x${"07".repeat(32)}`, t3 = `0x${"08".repeat(32)}`;
    const tokenLog = (eventName: string, args: Record<string, unknown>, data: Hex = "0x"): LogLike => ({
      ...log(t3, "Transfer", { from: A, to: B }),
      address: rewards,
      topics: encodeEventTopics({ abi: rewardNftAbi, eventName: eventName as never, args: args as never }) as Hex[],
      data,
    });
    const logs = [
      log(t1, "IssuingAgentSet", { merchant: M, agent: B }, encodeAbiParameters([{ type: "bool" }], [true])),
      log(t1, "Transfer", { from: ZERO, to: A }, u256(40n)),
      log(t1, "PointsIssued", { merchant: M, member: A, ref }, u256(40n)),
      log(t2, "Transfer", { from: A, to: B }, u256(40n)),
      log(t2, "AccountMigrated", { from: A, to: B }, encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [40n, 90n])),
      tokenLog("Transfer", { from: A, to: B, tokenId: 5n }),
      tokenLog("TokensMigrated", { from: A, to: B }, u256(1n)),
    ];
    const events = decodeLogs(logs, { points, rewards });
    expect(events.map((e) => [e.contract, e.event.eventName])).toEqual([
      ["points", "IssuingAgentSet"], ["points", "Transfer"], ["points", "PointsIssued"], ["points", "Transfer"],
      ["points", "AccountMigrated"], ["rewards", "Transfer"], ["rewards", "TokensMigrated"],
    ]);
    expect(events[0].event.args).toEqual({ merchant: M, agent: B, authorized: true });
    expect(events[4].event.args).toEqual({ from: A, to: B, balance: 40n, lifetimeEarned: 90n });
    expect(events[6].event.args).toEqual({ from: A, to: B, count: 1n });
    const history = toPointHistory(events);
    expect(history.map((x) => [x.kind, x.from, x.to, x.amount])).toEqual([
      ["issuance", null, A, 40n],
      ["transfer", A, B, 40n],
    ]);
    // The store carries the source's activity up to the migration (block 5 at t=1000), not after.
    const times = new Map([[5n, 1_000]]);
    expect(migrationsOf(events, history, times)).toEqual([{ from: A, to: B, lifetimeEarned: 90n, fromLastInBatch: 1_000 }]);
  });

  it("stamps activity as LoyaltyPoints does: neither a zero-point transfer nor a transfer to oneself is activity", () => {
    index = 0;
    const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
    const logs = [
      { ...log(tx(1), "Transfer", { from: ZERO, to: A }, u256(40n)), blockNumber: 5n },
      { ...log(tx(1), "PointsIssued", { merchant: M, member: A, ref }, u256(40n)), blockNumber: 5n },
      { ...log(tx(2), "Transfer", { from: A, to: A }, u256(40n)), blockNumber: 6n },
      { ...log(tx(3), "Transfer", { from: B, to: A }, u256(0n)), blockNumber: 7n },
    ];
    const history = toPointHistory(decodeLogs(logs, { points, rewards }));
    const accounts = aggregateAccounts(history, new Map([[5n, 1_000], [6n, 2_000], [7n, 3_000]]));
    expect(accounts.get(A)).toEqual({ balance: 40n, earned: 40n, last: 1_000 });
    expect(accounts.has(B)).toBe(false);
    // Nor does it count as the source's activity carried by a migration.
    const migration = { ...log(tx(4), "AccountMigrated", { from: A, to: B }, encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [0n, 40n])), blockNumber: 8n };
    const events = decodeLogs([...logs, migration], { points, rewards });
    expect(migrationsOf(events, toPointHistory(events), new Map([[5n, 1_000], [6n, 2_000], [7n, 3_000], [8n, 4_000]]))).toEqual([{ from: A, to: B, lifetimeEarned: 40n, fromLastInBatch: 1_000 }]);
  });
});
