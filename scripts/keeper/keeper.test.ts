/**
 * The expiry keeper against a real Hardhat node and Postgres, with a real mirror written by the
 * indexer: an inactive member's points expire exactly once whatever the number of keepers and
 * wherever one crashes; a member who became active after the mirror's snapshot keeps them; the
 * budgets hold; the CLI refuses to run without its key.
 */
import { spawnSync } from "node:child_process";
import pg from "pg";
import { createPublicClient, createWalletClient, http, keccak256, parseEventLogs, toHex, type Address, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { Indexer } from "../../indexer/indexer.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deployTestProgram, MEMBERS, MERCHANTS, revertChain, snapshotChain, type TestProgram } from "../../test/support/program.ts";
import { devAccount } from "../lib/dev-accounts.ts";
import { createLogger } from "../lib/log.ts";
import { claim } from "./claims.ts";
import { ExpiryKeeper, type KeeperBudget, type KeeperOptions } from "./keeper.ts";
import { KeeperMetrics, startKeeperServer } from "./metrics.ts";

/** Not a member, merchant, charity or the operator of the test programme: the keeper's own account. */
const KEEPER = 16;
const keeperAccount = devAccount(KEEPER);
const log = createLogger({ test: "keeper" }, { level: "warn" });
const PERIOD = 3600; // the test programme's inactivity period
const WIDE: KeeperBudget = { runCount: 100, runGas: 100_000_000n, dayCount: 1000, dayGas: 1_000_000_000n };

let node: HardhatNode;
let program: TestProgram;
let client: PublicClient;
let db: TestDatabase;
let snapshot: string;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  node = await startHardhatNode();
  program = await deployTestProgram(node.url);
  client = createPublicClient({ chain: hardhat, transport: http(node.url), cacheTime: 0, pollingInterval: 50 }) as PublicClient;
});
afterAll(async () => {
  await node?.stop();
});
beforeEach(async () => {
  snapshot = await snapshotChain(program);
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
  await db.drop();
  await revertChain(program, snapshot);
});

const member = (k: number): Address => devAccount(MEMBERS[k]!).address;
const balanceOf = (a: Address) => client.readContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
const keeperNonce = () => client.getTransactionCount({ address: keeperAccount.address });

async function issue(members: Address[], amount = 500n) {
  const hash = await program.wallet(MERCHANTS[0]!).writeContract({
    address: program.points, abi: loyaltyPointsAbi, functionName: "issueBatch",
    args: [members, members.map(() => amount), keccak256(toHex(`keeper-${Date.now()}-${Math.random()}`))],
  });
  await client.waitForTransactionReceipt({ hash });
}

async function transfer(from: number, to: Address, amount: bigint) {
  const hash = await program.wallet(MEMBERS[from]!).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "transfer", args: [to, amount] });
  await client.waitForTransactionReceipt({ hash });
}

/** Time passes beyond the inactivity period (a block is mined at the new time). */
async function lapse(seconds = PERIOD + 60) {
  await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
  await client.request({ method: "evm_mine" as never, params: [] as never });
}

/** The mirror catches up with the chain, then stops: it knows nothing of what happens after. */
const syncMirror = () =>
  new Indexer({ rpcUrl: node.url, databaseUrl: db.url, deployment: program.deployment, confirmations: 0, pollIntervalMs: 50, log, once: true }).run();

function keeper(budget: KeeperBudget = WIDE, extra: Partial<KeeperOptions> = {}) {
  const pool = new pg.Pool({ connectionString: db.url, max: 3 });
  pools.push(pool);
  const walletClient = createWalletClient({ chain: hardhat, transport: http(node.url), account: keeperAccount });
  return new ExpiryKeeper({ pool, publicClient: client, walletClient, account: keeperAccount, points: program.points, budget, log, receiptTimeoutMs: 20_000, ...extra });
}

/** PointsExpired events per member since the test began. */
async function expiriesOnChain(): Promise<Map<string, number>> {
  const logs = await client.getLogs({ address: program.points, fromBlock: 0n });
  const counts = new Map<string, number>();
  for (const e of parseEventLogs({ abi: loyaltyPointsAbi, logs, eventName: "PointsExpired" })) {
    const a = e.args.member.toLowerCase();
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  return counts;
}

async function claimRows() {
  const { rows } = await pools[0]!.query<{ account: string; status: string; gas_used: string | null }>(`SELECT account, status::text, gas_used::text FROM keeper_expiries ORDER BY account`);
  return rows;
}

describe("expiry keeper", () => {
  it("expires an inactive member exactly once across two concurrent keepers and a restart after a crash at each durable step", async () => {
    const inactive = [member(0), member(1)];
    await issue(inactive);
    await lapse();
    await syncMirror();
    const nonceBefore = await keeperNonce();
    const [first, second] = await Promise.all([keeper().runOnce(), keeper().runOnce()]);
    expect(first.confirmed + second.confirmed).toBe(2);
    for (const a of inactive) expect(await balanceOf(a)).toBe(0n);
    const gasPerExpiry = [...first.expired, ...second.expired].map((e) => e.gasUsed);
    console.log(`gas per expiry (keeper's transactions): ${gasPerExpiry.join(", ")}`);
    expect(gasPerExpiry.every((g) => g > 21_000n && g < 60_000n)).toBe(true);

    // A crash at each durable step, then a restart with two keepers again: one transaction each.
    const crashers = [member(2), member(3), member(4)];
    await issue(crashers);
    await lapse();
    await syncMirror();
    for (const [i, step] of (["claimed", "stored", "broadcast"] as const).entries()) {
      const crashing = keeper(WIDE, {
        onStep: (s, account) => {
          if (s === step && account === crashers[i]!.toLowerCase()) throw new Error(`crash at ${step}`);
        },
      });
      await expect(crashing.runOnce()).rejects.toThrow(`crash at ${step}`);
    }
    const restarted = await Promise.all([keeper().runOnce(), keeper().runOnce()]);
    expect(restarted.reduce((n, r) => n + r.confirmed, 0)).toBeGreaterThanOrEqual(1);
    for (const a of crashers) expect(await balanceOf(a)).toBe(0n);

    const onChain = await expiriesOnChain();
    for (const a of [...inactive, ...crashers]) expect(onChain.get(a.toLowerCase()), a).toBe(1);
    // Five expiries, five keeper transactions: no duplicate was ever sent, not even one that reverted.
    expect((await keeperNonce()) - nonceBefore).toBe(5);
    const rows = await claimRows();
    expect(rows.map((r) => r.status)).toEqual(["confirmed", "confirmed", "confirmed", "confirmed", "confirmed"]);

    // Later passes, mirror caught up or not, find nothing to do.
    const again = await keeper().runOnce();
    await syncMirror();
    const afterSync = await keeper().runOnce();
    expect(again.confirmed + afterSync.confirmed).toBe(0);
    expect((await keeperNonce()) - nonceBefore).toBe(5);
  }, 120_000);

  it("skips a member who became active on chain after the mirror's snapshot", async () => {
    await issue([member(0), member(1)]);
    await lapse();
    await syncMirror();
    await transfer(0, member(5), 10n); // member 0 acts; the mirror does not know yet
    const nonceBefore = await keeperNonce();
    const report = await keeper().runOnce();
    expect(report.candidates).toBe(2);
    expect(report.activeOnChain).toBe(1);
    expect(report.confirmed).toBe(1);
    expect(await balanceOf(member(0))).toBe(490n);
    expect(await balanceOf(member(1))).toBe(0n);
    expect((await keeperNonce()) - nonceBefore).toBe(1);
    expect((await claimRows()).map((r) => r.account)).toEqual([member(1).toLowerCase()]);
  }, 60_000);

  it("respects the per-pass and the daily budgets, count and gas, across restarts", async () => {
    const members = [member(0), member(1), member(2), member(3)];
    await issue(members);
    await lapse();
    await syncMirror();

    const tooLittleGas = await keeper({ ...WIDE, runGas: 10_000n }).runOnce();
    expect(tooLittleGas.budgetExhausted).toBe("run_gas");
    expect(tooLittleGas.confirmed).toBe(0);
    expect(await claimRows()).toEqual([]);

    const budget = { ...WIDE, runCount: 2, dayCount: 3 };
    const first = await keeper(budget).runOnce();
    expect(first.confirmed).toBe(2);
    expect(first.budgetExhausted).toBe("run_count");
    const second = await keeper(budget).runOnce(); // a new process: the day's count comes from the database
    expect(second.confirmed).toBe(1);
    expect(second.budgetExhausted).toBe("day_count");
    const third = await keeper(budget).runOnce();
    expect(third.confirmed).toBe(0);
    expect(third.budgetExhausted).toBe("day_count");
    const expired = await Promise.all(members.map(balanceOf));
    expect(expired.filter((b) => b === 0n)).toHaveLength(3);

    const gasSoFar = BigInt((await pools[0]!.query(`SELECT sum(gas_used)::text AS g FROM keeper_expiries`)).rows[0].g);
    const dayGas = await keeper({ ...WIDE, dayGas: gasSoFar + 1_000n }).runOnce();
    expect(dayGas.budgetExhausted).toBe("day_gas");
    expect(dayGas.confirmed).toBe(0);
  }, 90_000);

  it("lets exactly one of many simultaneous claims of one expiry win, even without the lock", async () => {
    keeper(); // its pool
    const fact = { account: member(0).toLowerCase(), lastActivity: 1_700_000_000n, amount: 5n, gasEstimate: 40_000n };
    const won = await Promise.all(["a", "b", "c", "d"].map((who) => claim(pools[0]!, { ...fact, claimedBy: who })));
    expect(won.filter(Boolean)).toHaveLength(1);
    // The same member lapsing again after new activity is a new fact, claimed afresh.
    expect(await claim(pools[0]!, { ...fact, lastActivity: fact.lastActivity + 1n, claimedBy: "a" })).toBe(true);
  });

  it("sends nothing while the programme is paused", async () => {
    await issue([member(0)]);
    await lapse();
    await syncMirror();
    const pause = await program.wallet(0).writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "pause" });
    await client.waitForTransactionReceipt({ hash: pause });
    const nonceBefore = await keeperNonce();
    const report = await keeper().runOnce();
    expect(report.paused).toBe(true);
    expect(report.confirmed).toBe(0);
    expect(await balanceOf(member(0))).toBe(500n);
    expect(await keeperNonce()).toBe(nonceBefore);
  }, 60_000);

  it("counts its work on /metrics and answers /health", async () => {
    await issue([member(0)]);
    await lapse();
    await syncMirror();
    const metrics = new KeeperMetrics();
    const k = keeper(WIDE, { metrics });
    await k.runOnce();
    const server = await startKeeperServer(metrics, () => ({ phase: "idle", signer: k.signer, lastRunAt: null, lastRun: null, lastError: null }), 0);
    try {
      const { port } = server.address() as { port: number };
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/keeper_expiries_total\{outcome="confirmed"\} 1/);
      expect(text).toMatch(/keeper_points_expired_total 500/);
      expect(text).toMatch(/keeper_runs_total\{result="done"\} 1/);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, phase: "idle", signer: keeperAccount.address });
    } finally {
      server.close();
    }
  }, 60_000);
});

describe("npm run keeper", () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv) => {
    const r = spawnSync("npx", ["tsx", "scripts/keeper/cli.ts", ...args], { encoding: "utf8", env: { ...process.env, LOG_FORMAT: "json", ...env }, timeout: 90_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const keyOf = (index: number) => toHex(devAccount(index).getHdKey().privateKey!);

  it("refuses to run without its key: a clear message, a non-zero exit, nothing sent", async () => {
    const nonce = await keeperNonce();
    const r = cli(["--once", "--rpc-url", node.url, "--deployment", program.file], { KEEPER_PRIVATE_KEY: "", DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/KEEPER_PRIVATE_KEY is not set/);
    const relayer = cli(["--once"], { KEEPER_PRIVATE_KEY: keyOf(1), RELAYER_PRIVATE_KEY: keyOf(1), DATABASE_URL: db.url });
    expect(relayer.code).toBe(2);
    expect(relayer.err).toMatch(/relayer's key/);
    expect(relayer.err + relayer.out).not.toContain(keyOf(1).slice(2));
    expect(await keeperNonce()).toBe(nonce);
  }, 60_000);

  it("--once expires an inactive member and exits 0", async () => {
    await issue([member(0)]);
    await lapse();
    await syncMirror();
    const r = cli(["--once", "--port", "0", "--rpc-url", node.url, "--deployment", program.file], { KEEPER_PRIVATE_KEY: keyOf(KEEPER), DATABASE_URL: db.url });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/"msg":"points expired"/);
    expect(r.err).not.toContain(keyOf(KEEPER).slice(2));
    expect(await balanceOf(member(0))).toBe(0n);
  }, 90_000);
});
