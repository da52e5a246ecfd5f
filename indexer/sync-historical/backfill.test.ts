import { describe, expect, it } from "vitest";
import { RpcError, type RpcClient } from "../rpc/client.ts";
import { AdaptiveRange, backfill } from "./backfill.ts";

const hash = (n: bigint) => `0x${n.toString(16).padStart(64, "0")}` as const;

/** A fake provider that refuses ranges over `cap` blocks, with empty blocks. */
function fakeRpc(cap: bigint) {
  const asked: [bigint, bigint][] = [];
  const rpc = {
    getLogs: async ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) => {
      asked.push([fromBlock, toBlock]);
      if (toBlock - fromBlock + 1n > cap) throw new RpcError("query exceeds max block range", -32005);
      return [];
    },
    getBlocks: async (ns: bigint[]) => ns.map((n) => ({ number: n, hash: hash(n), parentHash: hash(n - 1n), timestamp: 1 })),
  } as unknown as RpcClient;
  return { rpc, asked };
}

describe("adaptive backfill", () => {
  it("shrinks on provider limits, grows while cheap, covers the range exactly once", async () => {
    const { rpc, asked } = fakeRpc(300n);
    const range = new AdaptiveRange(1000n, 1n, 100_000n, 20_000);
    const covered: [bigint, bigint][] = [];
    for await (const r of backfill({ rpc, addresses: { points: "0xa", rewards: "0xb" }, from: 10n, to: 5000n, parentHash: hash(9n), range })) covered.push([r.from, r.to.number]);
    expect(covered[0][0]).toBe(10n);
    expect(covered.at(-1)![1]).toBe(5000n);
    for (let i = 1; i < covered.length; i++) expect(covered[i][0]).toBe(covered[i - 1][1] + 1n);
    expect(asked.some(([a, b]) => b - a + 1n > 300n)).toBe(true); // it tried bigger ranges
    expect(range.size).toBeLessThanOrEqual(300n); // remembers what the provider refused
  });

  it("grows the range while answers are small", () => {
    const r = new AdaptiveRange(100n, 1n, 1000n, 1000);
    r.observe(10, 5);
    r.observe(10, 5);
    expect(r.size).toBe(400n);
    r.observe(5000, 5);
    expect(r.size).toBe(200n);
  });
});
