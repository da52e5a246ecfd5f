/**
 * The spec against the deployed contracts on a real Hardhat node: role constants, token ids of
 * real redemptions and RewardNFT.rewardOf, and tiers of real members at every boundary.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loyaltyPointsAbi, rewardNftAbi } from "../generated/contracts.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { TEST_PG_URL } from "../../test/support/postgres.ts";
import { deployTestProgram, MEMBERS, MERCHANTS, type TestProgram } from "../../test/support/program.ts";
import { programAddresses } from "./addresses.ts";
import { encodeTokenId, rewardIdOf, rewardIdSql, serialOf, TOKEN_ID_SPAN } from "./ids.ts";
import { MAX_PURCHASE_BATCH } from "./events.ts";
import { ROLES } from "./roles.ts";
import { tierFor, tierSql } from "./tiers.ts";

let node: HardhatNode;
let program: TestProgram;
beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployTestProgram(node.url);
});
afterAll(() => node?.stop());

const readPoints = <T>(functionName: string, args: unknown[] = []) =>
  program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
const readRewards = <T>(functionName: string, args: unknown[] = []) =>
  program.publicClient.readContract({ address: program.rewards, abi: rewardNftAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
async function send(from: number, address: `0x${string}`, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const hash = await program.wallet(from).writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never } as never);
  const receipt = await program.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  expect(receipt.status).toBe("success");
}
let ref = 0;
const issue = (member: number, amount: bigint) =>
  send(MERCHANTS[0], program.points, loyaltyPointsAbi, "issue", [devAccount(member).address, amount, `0x${(++ref).toString(16).padStart(64, "0")}`]);

describe("roles", () => {
  it("equal the points contract's constants", async () => {
    for (const [name, value] of Object.entries(ROLES)) expect(await readPoints(name), name).toBe(value);
  });
});

describe("purchase batches", () => {
  it("take at most the points contract's MAX_PURCHASE_BATCH", async () => {
    expect(BigInt(MAX_PURCHASE_BATCH)).toBe(await readPoints<bigint>("MAX_PURCHASE_BATCH"));
  });
});

describe("addresses", () => {
  it("name the deployment's contracts", () => {
    expect(programAddresses(program.deployment)).toEqual({ points: program.points, rewards: program.rewards, forwarder: program.deployment.contracts.LoyaltyForwarder.address });
  });
});

describe("token ids", () => {
  it("are the ids RewardNFT mints, serial by serial", async () => {
    const member = MEMBERS[0];
    await issue(member, 200n);
    for (const serial of [1n, 2n, 3n]) {
      await send(member, program.rewards, rewardNftAbi, "redeem", [1n]);
      const tokenId = encodeTokenId(1n, serial);
      expect(await readRewards("ownerOf", [tokenId])).toBe(devAccount(member).address);
      expect(rewardIdOf(tokenId)).toBe(await readRewards<bigint>("rewardOf", [tokenId]));
      expect(serialOf(tokenId)).toBe(serial);
    }
    await expect(readRewards("ownerOf", [encodeTokenId(1n, 4n)])).rejects.toThrow(/ERC721NonexistentToken/);
  });

  it("decode as RewardNFT.rewardOf does, in TypeScript and in SQL, at the edges of the serial", async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      const max = TOKEN_ID_SPAN - 1n;
      // Reward ids count from 1 (rewardCount), so the mirror keeps them as bigint; serials use all 128 bits.
      const ids = [encodeTokenId(1n, 1n), encodeTokenId(1n, max), encodeTokenId(2n ** 62n, 2n ** 127n + 1n), encodeTokenId(0n, 5n)];
      expect(rewardIdOf(encodeTokenId(max, max))).toBe(await readRewards<bigint>("rewardOf", [encodeTokenId(max, max)]));
      const { rows } = await client.query<{ r: string }>(`SELECT ${rewardIdSql("t")}::text AS r FROM unnest($1::numeric[]) WITH ORDINALITY AS u(t, i) ORDER BY i`, [ids.map(String)]);
      for (const [i, tokenId] of ids.entries()) {
        const onChain = await readRewards<bigint>("rewardOf", [tokenId]);
        expect(rewardIdOf(tokenId)).toBe(onChain);
        expect(BigInt(rows[i].r)).toBe(onChain);
      }
    } finally {
      await client.end();
    }
  });
});

describe("tiers", () => {
  it("match LoyaltyPoints.tierOf at and around every threshold, in TypeScript and in SQL", async () => {
    const thresholds = await readPoints<readonly bigint[]>("tierThresholds");
    expect(thresholds.length).toBeGreaterThan(1);
    const targets = [0n, ...thresholds.flatMap((t) => [t - 1n, t])];
    const members = MEMBERS.slice(1, 1 + targets.length);
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      for (const [i, member] of members.entries()) {
        const earned = targets[i];
        if (earned > 0n) await issue(member, earned);
        const address = devAccount(member).address;
        expect(await readPoints<bigint>("lifetimeEarned", [address])).toBe(earned);
        const onChain = Number(await readPoints<bigint>("tierOf", [address]));
        const { rows } = await client.query<{ tier: number }>(`SELECT ${tierSql("$1::numeric", "$2::numeric[]")} AS tier`, [String(earned), thresholds.map(String)]);
        expect([tierFor(earned, thresholds), rows[0].tier], `lifetime earned ${earned}`).toEqual([onChain, onChain]);
      }
    } finally {
      await client.end();
    }
  });
});
