import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { ZERO_ADDRESS as ZERO } from "../../contracts/spec/index.ts";
import type { DomainEvent } from "../decode/index.ts";
import { aggregateAccounts, allowanceChanges, countFolded, prepareBatch, tokenOwners } from "./projection.ts";
import type { Batch } from "./types.ts";

const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";
const M = "0x3333333333333333333333333333333333333333";
const ref = `0x${"12".repeat(32)}` as Hex;
const tx = `0x${"ab".repeat(32)}` as Hex;
const blockHash = `0x${"cd".repeat(32)}` as Hex;

let logIndex = 0;
const points = (blockNumber: bigint, eventName: string, args: Record<string, unknown>): DomainEvent =>
  ({ contract: "points", blockNumber, blockHash, logIndex: logIndex++, txHash: tx, event: { eventName, args } }) as unknown as DomainEvent;
const rewards = (blockNumber: bigint, eventName: string, args: Record<string, unknown>): DomainEvent =>
  ({ contract: "rewards", blockNumber, blockHash, logIndex: logIndex++, txHash: tx, event: { eventName, args } }) as unknown as DomainEvent;
const header = (number: bigint, timestamp: number) => ({ number, hash: blockHash, parentHash: blockHash, timestamp });

/** A purchase as LoyaltyPoints logs it: the mint, then the event that explains it. */
const issue = (block: bigint, member: string, amount: bigint) => [
  points(block, "Transfer", { from: ZERO, to: member, value: amount }),
  points(block, "PointsIssued", { merchant: M, member, amount, ref }),
];

describe("prepareBatch", () => {
  it("folds purchases into one history row each, keeps configuration apart, and writes COPY text with \\N for nulls", () => {
    logIndex = 0;
    const events = [
      points(5n, "IssuanceAllowanceSet", { merchant: M, oldAllowance: 0n, newAllowance: 1_000n }),
      ...issue(5n, A, 100n),
      points(6n, "Transfer", { from: A, to: B, value: 30n }),
    ];
    const batch: Batch = { fromBlock: 5n, parentHash: null, to: header(6n, 2_000), blocks: [header(5n, 1_000), header(6n, 2_000)], events, finalized: 0n };
    const p = prepareBatch(batch);
    expect(p.history.map((h) => [h.kind, h.amount])).toEqual([["issuance", 100n], ["transfer", 30n]]);
    expect(p.programEvents.map((e) => e.event.eventName)).toEqual(["IssuanceAllowanceSet"]);
    const rows = p.copyChunks.join("").trimEnd().split("\n").map((line) => line.split("\t"));
    expect(rows).toHaveLength(2);
    expect(rows[0].slice(4, 9)).toEqual(["1970-01-01T00:16:40.000Z", "issuance", "\\N", A, "100"]);
    expect(rows[1][10]).toBe("\\N"); // a plain transfer has no ref
    expect(p.accountArrays).toEqual({ addresses: `{${A},${B}}`, balances: "{70,30}", earned: "{100,0}", last: "{2000,2000}" });
    expect(p.allowances.get(M)).toEqual({ set: 1_000n, spent: 100n });
  });

  it("refuses a batch that lacks the header of a block with events", () => {
    logIndex = 0;
    const batch: Batch = { fromBlock: 5n, parentHash: null, to: header(6n, 2_000), blocks: [header(6n, 2_000)], events: issue(5n, A, 1n), finalized: 0n };
    expect(() => prepareBatch(batch)).toThrow("batch lacks the header of block 5");
  });

  it("cuts the COPY text in chunks of 2,000 rows", () => {
    logIndex = 0;
    const events = Array.from({ length: 4_001 }, (_, i) => points(5n, "Transfer", { from: A, to: B, value: BigInt(i + 1) }));
    const p = prepareBatch({ fromBlock: 5n, parentHash: null, to: header(5n, 1), blocks: [header(5n, 1)], events, finalized: 0n });
    expect(p.copyChunks.map((c) => c.split("\n").length - 1)).toEqual([2_000, 2_000, 1]);
  });
});

describe("aggregateAccounts", () => {
  it("counts neither a zero-point transfer nor a transfer to oneself as activity (as LoyaltyPoints stamps it)", () => {
    logIndex = 0;
    const p = prepareBatch({
      fromBlock: 5n,
      parentHash: null,
      to: header(7n, 3_000),
      blocks: [header(5n, 1_000), header(6n, 2_000), header(7n, 3_000)],
      events: [...issue(5n, A, 50n), points(6n, "Transfer", { from: A, to: B, value: 0n }), points(7n, "Transfer", { from: A, to: A, value: 10n })],
      finalized: 0n,
    });
    expect(aggregateAccounts(p.history, p.times)).toEqual(new Map([[A, { balance: 50n, earned: 50n, last: 1_000 }]]));
  });
});

describe("allowanceChanges", () => {
  it("keeps the last allowance set and only what was issued after it", () => {
    logIndex = 0;
    const changes = allowanceChanges([
      points(5n, "PointsIssued", { merchant: M, member: A, amount: 7n, ref }),
      points(5n, "IssuanceAllowanceSet", { merchant: M, oldAllowance: 0n, newAllowance: 500n }),
      points(6n, "PointsIssued", { merchant: M, member: A, amount: 20n, ref }),
      points(6n, "PointsIssued", { merchant: B, member: A, amount: 3n, ref }),
    ]);
    expect(changes).toEqual(new Map([[M, { set: 500n, spent: 20n }], [B, { set: null, spent: 3n }]]));
  });
});

describe("tokenOwners", () => {
  it("gives each token its last owner in the batch and the block it was minted in, if minted here", () => {
    logIndex = 0;
    const owners = tokenOwners([
      rewards(5n, "Transfer", { from: ZERO, to: A, tokenId: 1n }),
      rewards(6n, "Transfer", { from: A, to: B, tokenId: 1n }),
      rewards(6n, "Transfer", { from: B, to: A, tokenId: 2n }),
    ]);
    expect(owners).toEqual(new Map([[1n, { owner: B, mintedBlock: 5n }], [2n, { owner: A }]]));
  });
});

describe("countFolded", () => {
  it("counts the rows that stand for two logs", () => {
    expect(countFolded([{ folded: true }, { folded: false }, { folded: true }])).toBe(2);
  });
});
