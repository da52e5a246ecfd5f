/**
 * The mirror follows issuing agents and migrations to self-custody through the real chain: lifetime
 * earned (hence tiers) and last activity move with AccountMigrated, soulbound badges move with
 * TokensMigrated, refunds after a migration hit the new account, and a reorg over any of it is
 * recomputed to the chain's state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { Address, Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../contracts/generated/contracts.ts";
import { accountMigrationDomain, accountMigrationTypes, purchaseRef, tokenIdsHash, tokenMigrationDomain, tokenMigrationTypes } from "../contracts/typed-data.ts";
import { createLogger } from "../scripts/lib/log.ts";
import { devAccount, DEV_ROLES } from "../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { compareMirror, deployTestProgram, MEMBERS, MERCHANTS, type TestProgram } from "../test/support/program.ts";
import { Indexer } from "./indexer.ts";
import { Store } from "./store/store.ts";
import { encodeTokenId } from "../contracts/spec/index.ts";

let node: HardhatNode;
let db: TestDatabase;
let program: TestProgram;
const log = createLogger({ test: "indexer-migration" }, { level: "warn" });
const RELAYER = DEV_ROLES.relayer;
/** Self-custody wallets the members move to: funded dev accounts that play no other role. */
const WALLETS = [16, 17, 18];

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase()]);
  program = await deployTestProgram(node.url);
});
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

/** `confirmations` keeps the last blocks unfinalized, so that a test may roll them back. */
const runOnce = (confirmations = 10) =>
  new Indexer({ rpcUrl: node.url, databaseUrl: db.url, deployment: program.deployment, confirmations, pollIntervalMs: 50, log, once: true }).run();

const address = (index: number) => devAccount(index).address;

async function send(from: number, to: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const hash = await program.wallet(from).writeContract({ address: to, abi: abi as never, functionName: functionName as never, args: args as never } as never);
  const receipt = await program.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return receipt;
}
const pts = (from: number, fn: string, args: unknown[]) => send(from, program.points, loyaltyPointsAbi, fn, args);
const nft = (from: number, fn: string, args: unknown[]) => send(from, program.rewards, rewardNftAbi, fn, args);
const read = <T>(fn: string, args: unknown[] = []) =>
  program.publicClient.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: fn as never, args: args as never }) as Promise<T>;

async function migrateAccount(from: number, to: Address) {
  const deadline = (await program.publicClient.getBlock()).timestamp + 3600n;
  const nonce = await read<bigint>("nonces", [address(from)]);
  const name = await read<string>("name");
  const signature = await devAccount(from).signTypedData({
    domain: accountMigrationDomain(program.deployment.chainId, program.points, name),
    types: accountMigrationTypes,
    primaryType: "AccountMigration",
    message: { from: address(from), to, nonce, deadline },
  });
  return pts(RELAYER, "migrateAccount", [address(from), to, deadline, signature]);
}

async function migrateTokens(from: number, to: Address, tokenIds: bigint[]) {
  const deadline = (await program.publicClient.getBlock()).timestamp + 3600n;
  const nonce = (await program.publicClient.readContract({ address: program.rewards, abi: rewardNftAbi, functionName: "nonces", args: [address(from)] })) as bigint;
  const signature = await devAccount(from).signTypedData({
    domain: tokenMigrationDomain(program.deployment.chainId, program.rewards),
    types: tokenMigrationTypes,
    primaryType: "TokenMigration",
    message: { from: address(from), to, tokenIds: tokenIdsHash(tokenIds), nonce, deadline },
  });
  return nft(RELAYER, "migrateTokens", [address(from), to, tokenIds, deadline, signature]);
}

const mirrorAccount = async (who: Address) => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT balance::text, lifetime_earned::text AS earned, tier FROM accounts WHERE address = $1`, [who.toLowerCase()]);
    return rows[0] as { balance: string; earned: string; tier: number } | undefined;
  } finally {
    await c.end();
  }
};

describe("mirror equals chain across agents and migrations", () => {
  const [shop, otherShop] = MERCHANTS;
  const [moving, movingEmpty, badgeHolder, friend] = MEMBERS;

  it("issueFor/clawbackFor, a migration with points, one without, a refund after it, and token migration with a soulbound badge", async () => {
    for (const m of [shop, otherShop]) await pts(m, "setIssuingAgent", [address(RELAYER), true]);
    // Points through the relayer as the merchant's agent; tier 1 for `moving` (threshold 100).
    const order = purchaseRef(address(shop), "till-1/0001");
    await pts(RELAYER, "issueFor", [address(shop), address(moving), 300n, order]);
    await pts(RELAYER, "issueFor", [address(otherShop), address(movingEmpty), 150n, purchaseRef(address(otherShop), "web-77")]);
    await pts(RELAYER, "clawbackFor", [address(shop), order, 20n]);
    // A badge (reward 2: soulbound, mint-only) and a coffee (reward 1) for the badge holder.
    await pts(RELAYER, "issueFor", [address(shop), address(badgeHolder), 120n, purchaseRef(address(shop), "till-1/0002")]);
    await nft(badgeHolder, "redeem", [1n]);
    await nft(MERCHANTS[1], "mintExclusive", [2n, address(badgeHolder)]);
    // `movingEmpty` gives everything away, then moves: lifetime earned (tier) without points.
    await pts(movingEmpty, "transfer", [address(friend), 150n]);
    // A transfer to oneself moves nothing and, on chain, is no activity: the mirror must agree.
    await pts(friend, "transfer", [address(friend), 50n]);

    await migrateAccount(moving, address(WALLETS[0]));
    await migrateAccount(movingEmpty, address(WALLETS[1]));
    await migrateAccount(badgeHolder, address(WALLETS[2]));
    await migrateTokens(badgeHolder, address(WALLETS[2]), [encodeTokenId(1n, 1n), encodeTokenId(2n, 1n)]);
    // The refund of a purchase made before the move is taken from the new wallet.
    await pts(shop, "clawback", [order, 30n]);

    await runOnce();
    const diff = await compareMirror(program, db.url);
    expect(diff.problems).toEqual([]);
    expect(await mirrorAccount(address(WALLETS[0]))).toEqual({ balance: "250", earned: "250", tier: 1 });
    expect(await mirrorAccount(address(moving))).toEqual({ balance: "0", earned: "0", tier: 0 });
    expect(await mirrorAccount(address(WALLETS[1]))).toEqual({ balance: "0", earned: "150", tier: 1 });
    expect(await mirrorAccount(address(movingEmpty))).toEqual({ balance: "0", earned: "0", tier: 0 });

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const names = (await c.query(`SELECT name, count(*)::int AS n FROM program_events WHERE name IN ('IssuingAgentSet','AccountMigrated','TokensMigrated') GROUP BY name ORDER BY name`)).rows;
      expect(names).toEqual([
        { name: "AccountMigrated", n: 3 },
        { name: "IssuingAgentSet", n: 2 },
        { name: "TokensMigrated", n: 1 },
      ]);
      const owners = (await c.query(`SELECT owner FROM reward_tokens WHERE token_id IN ($1, $2)`, [String(encodeTokenId(1n, 1n)), String(encodeTokenId(2n, 1n))])).rows;
      expect(owners.map((r) => r.owner)).toEqual([address(WALLETS[2]).toLowerCase(), address(WALLETS[2]).toLowerCase()]);
    } finally {
      await c.end();
    }
  });

  it("a reorg of blocks after the migrations recomputes the migrated accounts to the chain's state", async () => {
    const before = await program.publicClient.getBlock();
    // Later activity touching the migrated accounts, then rolled back by hand (as a reorg would).
    await pts(WALLETS[0], "transfer", [address(friend), 5n]);
    await pts(friend, "transfer", [address(WALLETS[1]), 7n]);
    await runOnce();
    expect((await compareMirror(program, db.url)).problems).toEqual([]);

    const store = new Store(db.url);
    await store.connect();
    try {
      await store.readState();
      await store.rollback({ number: before.number, hash: before.hash as Hex, parentHash: before.parentHash as Hex, timestamp: Number(before.timestamp) });
    } finally {
      await store.close();
    }
    // The mirror is back at `before`: compareMirror reads the chain at the mirror's cursor.
    expect((await compareMirror(program, db.url)).problems).toEqual([]);
    expect(await mirrorAccount(address(WALLETS[1]))).toEqual({ balance: "0", earned: "150", tier: 1 });
    await runOnce();
    expect((await compareMirror(program, db.url)).problems).toEqual([]);
  });
});
