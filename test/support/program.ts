/**
 * The loyalty program on a test node: deploy it, drive random workloads, and compare a mirror
 * database with the chain (balances, tiers, lifetime earned, last activity, supply, history ↔ logs,
 * NFT owners). Shared by the indexer's suites and usable by any other.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createPublicClient, createWalletClient, http, keccak256, toHex, type Address, type Hex, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import type { Deployment } from "../../contracts/deployments.ts";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { deployProgram } from "../../scripts/lib/deploy-program.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { toPointHistory, decodeLogs } from "../../indexer/decode/index.ts";
import { ZERO_ADDRESS } from "../../contracts/spec/index.ts";

export const OPERATOR = 0;
export const MERCHANTS = [2, 3, 4];
export const CHARITY = 5;
export const MEMBERS = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

export interface TestProgram {
  url: string;
  deployment: Deployment;
  /** A deployment file for `indexer --deployment`. */
  file: string;
  publicClient: PublicClient;
  wallet(index: number): ReturnType<typeof makeWallet>;
  points: Address;
  rewards: Address;
}

function makeWallet(url: string, index: number) {
  return createWalletClient({ chain: hardhat, transport: http(url), account: devAccount(index) });
}

export async function deployTestProgram(url: string, options: { setup?: boolean } = {}): Promise<TestProgram> {
  const publicClient = createPublicClient({ chain: hardhat, transport: http(url), cacheTime: 0, pollingInterval: 50 }) as PublicClient;
  const { deployment } = await deployProgram({ publicClient, walletClient: makeWallet(url, OPERATOR) as never });
  const dir = mkdtempSync(path.join(os.tmpdir(), "deployment-"));
  const file = path.join(dir, `${deployment.chainId}.json`);
  writeFileSync(file, JSON.stringify(deployment, null, 2));
  const program: TestProgram = {
    url, deployment, file, publicClient,
    wallet: (i) => makeWallet(url, i),
    points: deployment.contracts.LoyaltyPoints.address,
    rewards: deployment.contracts.RewardNFT.address,
  };
  if (options.setup !== false) await setupProgram(program);
  return program;
}

async function send(p: TestProgram, from: number, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const hash = await p.wallet(from).writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never } as never);
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return receipt;
}
const pts = (p: TestProgram, from: number, fn: string, args: unknown[]) => send(p, from, p.points, loyaltyPointsAbi, fn, args);
const nft = (p: TestProgram, from: number, fn: string, args: unknown[]) => send(p, from, p.rewards, rewardNftAbi, fn, args);

/** Merchants with allowances, a charity, two rewards, a short inactivity period. */
export async function setupProgram(p: TestProgram) {
  for (const [k, m] of MERCHANTS.entries()) await pts(p, OPERATOR, "onboardMerchant", [devAccount(m).address, `Shop ${k}`, 1_000_000n]);
  await pts(p, OPERATOR, "registerCharity", [devAccount(CHARITY).address, "Food bank"]);
  await pts(p, OPERATOR, "setTierThresholds", [[100n, 500n, 2_000n]]);
  await pts(p, OPERATOR, "setInactivityPeriod", [3600n]);
  const terms = (cost: bigint, mintOnly: boolean, soulbound: boolean) => ({
    cost, supplyCap: 10_000n, minTier: 0, validFrom: 0, validUntil: 0, soulbound, mintOnly, category: 0,
  });
  await nft(p, MERCHANTS[0], "createReward", [terms(50n, false, false), { name: "Coffee", description: "A free coffee", image: "ipfs://coffee" }]);
  await nft(p, MERCHANTS[1], "createReward", [terms(0n, true, true), { name: "VIP", description: "Badge", image: "" }]);
}

/** A tiny deterministic PRNG (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let refCounter = 0;
/** Random program activity; reverted attempts (not enough points…) are skipped. Returns txs sent. */
export async function randomWorkload(p: TestProgram, steps: number, seed: number): Promise<number> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const member = () => pick(MEMBERS);
  const issued: { ref: Hex; merchant: number }[] = [];
  let sent = 0;
  for (let i = 0; i < steps; i++) {
    const x = r();
    try {
      if (x < 0.35) {
        const merchant = pick(MERCHANTS);
        const ref = keccak256(toHex(`ref-${seed}-${refCounter++}-${Date.now()}`));
        await pts(p, merchant, "issue", [devAccount(member()).address, BigInt(1 + Math.floor(r() * 400)), ref]);
        issued.push({ ref, merchant });
      } else if (x < 0.42) {
        const ms = [member(), member()].filter((v, k, a) => a.indexOf(v) === k).map((m) => devAccount(m).address);
        await pts(p, pick(MERCHANTS), "issueBatch", [ms, ms.map(() => BigInt(1 + Math.floor(r() * 100))), keccak256(toHex(`c-${seed}-${refCounter++}-${Date.now()}`))]);
      } else if (x < 0.7) {
        await pts(p, member(), "transfer", [devAccount(member()).address, BigInt(Math.floor(r() * 50))]);
      } else if (x < 0.76) {
        await pts(p, member(), "donate", [devAccount(CHARITY).address, BigInt(1 + Math.floor(r() * 20))]);
      } else if (x < 0.82 && issued.length) {
        const it = pick(issued);
        await pts(p, it.merchant, "clawback", [it.ref, 1n]);
      } else if (x < 0.9) {
        await nft(p, member(), "redeem", [1n]);
      } else if (x < 0.94) {
        await nft(p, MERCHANTS[1], "mintExclusive", [2n, devAccount(member()).address]);
      } else if (x < 0.96) {
        await pts(p, OPERATOR, "setTierThresholds", [[BigInt(50 + Math.floor(r() * 100)), 600n, 3_000n]]);
      } else if (x < 0.98) {
        await p.publicClient.request({ method: "evm_increaseTime" as never, params: [4000] as never });
        await pts(p, OPERATOR, "expire", [devAccount(member()).address]);
      } else {
        await pts(p, member(), "approve", [devAccount(member()).address, 5n]);
      }
      sent++;
    } catch {
      /* a revert: the workload goes on */
    }
  }
  return sent;
}

export interface MirrorDiff {
  problems: string[];
  accounts: number;
  events: number;
}

/** Compares the mirror in `databaseUrl` with the chain at `blockNumber` (default: latest). */
export async function compareMirror(p: TestProgram, databaseUrl: string): Promise<MirrorDiff> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const problems: string[] = [];
  try {
    const state = (await db.query(`SELECT cursor_number, cursor_hash FROM indexer_state`)).rows[0];
    if (!state) return { problems: ["no indexer_state"], accounts: 0, events: 0 };
    const blockNumber = BigInt(state.cursor_number);
    if (blockNumber < BigInt(p.deployment.startBlock)) {
      // Nothing applied yet: the mirror must be empty.
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM accounts)::int AS a, (SELECT count(*) FROM point_events)::int AS e`);
      if (rows[0].a || rows[0].e) problems.push(`cursor before the deployment, yet ${rows[0].a} accounts and ${rows[0].e} events`);
      return { problems, accounts: 0, events: 0 };
    }
    const block = await p.publicClient.getBlock({ blockNumber });
    if (block.hash !== state.cursor_hash) problems.push(`cursor ${blockNumber} hash ${state.cursor_hash} is not the chain's ${block.hash}`);
    const read = (address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
      p.publicClient.readContract({ address, abi: abi as never, functionName: functionName as never, args: args as never, blockNumber } as never) as Promise<bigint>;

    const rows = (await db.query(`SELECT address, balance::text, lifetime_earned::text AS earned, tier, extract(epoch FROM last_activity)::bigint AS last FROM accounts`)).rows;
    const mirror = new Map(rows.map((r) => [r.address as string, r]));
    const addresses = new Set<string>([...mirror.keys(), ...[...MEMBERS, ...MERCHANTS, CHARITY, OPERATOR].map((i) => devAccount(i).address.toLowerCase())]);
    let sum = 0n;
    for (const a of addresses) {
      const [balance, earned, tier, last] = await Promise.all([
        read(p.points, loyaltyPointsAbi, "balanceOf", [a]),
        read(p.points, loyaltyPointsAbi, "lifetimeEarned", [a]),
        read(p.points, loyaltyPointsAbi, "tierOf", [a]),
        read(p.points, loyaltyPointsAbi, "lastActivity", [a]),
      ]);
      const m = mirror.get(a);
      const mb = BigInt(m?.balance ?? 0), me = BigInt(m?.earned ?? 0), mt = BigInt(m?.tier ?? 0), ml = BigInt(m?.last ?? 0);
      sum += mb;
      if (mb !== balance) problems.push(`${a}: balance ${mb} != chain ${balance}`);
      if (me !== earned) problems.push(`${a}: lifetime earned ${me} != chain ${earned}`);
      if (mt !== tier) problems.push(`${a}: tier ${mt} != chain ${tier}`);
      if (ml !== last) {
        const { rows: lastRows } = await db.query(
          `SELECT block_number, log_index, kind, extract(epoch FROM timestamp)::bigint AS ts FROM point_events WHERE from_address = $1 OR to_address = $1 ORDER BY block_number DESC, log_index DESC LIMIT 1`,
          [a],
        );
        problems.push(`${a}: last activity ${ml} != chain ${last} (its last event: ${JSON.stringify(lastRows[0])})`);
      }
    }
    const supply = await read(p.points, loyaltyPointsAbi, "totalSupply");
    if (sum !== supply) problems.push(`Σ balances ${sum} != totalSupply ${supply}`);

    // History ↔ logs, one to one.
    const logs = await p.publicClient.request({
      method: "eth_getLogs",
      params: [{ address: [p.points, p.rewards], fromBlock: `0x${BigInt(p.deployment.startBlock).toString(16)}`, toBlock: `0x${blockNumber.toString(16)}` }],
    } as never) as never[];
    const events = decodeLogs(logs, { points: p.points, rewards: p.rewards });
    const expected = toPointHistory(events).map((h) => `${h.blockNumber}:${h.logIndex}:${h.transferIndex}:${h.kind}:${h.from}:${h.to}:${h.amount}`);
    const actual = (await db.query(`SELECT block_number, log_index, transfer_index, kind, from_address, to_address, amount::text FROM point_events ORDER BY block_number, log_index`)).rows.map(
      (r) => `${r.block_number}:${r.log_index}:${r.transfer_index}:${r.kind}:${r.from_address}:${r.to_address}:${r.amount}`,
    );
    if (expected.join("\n") !== actual.join("\n")) {
      const e = new Set(expected), aa = new Set(actual);
      const missing = expected.filter((x) => !aa.has(x)), extra = actual.filter((x) => !e.has(x));
      problems.push(`history differs from the logs: ${expected.length} expected, ${actual.length} rows; missing ${missing.slice(0, 3).join(" | ")}; extra ${extra.slice(0, 3).join(" | ")}`);
    }
    const { rows: st } = await db.query(`SELECT events_applied::text AS n FROM indexer_state`);
    if (BigInt(st[0].n) !== BigInt(events.length)) problems.push(`events_applied ${st[0].n} != ${events.length} logs`);

    // Reward NFTs: owners and consumption.
    const tokens = (await db.query(`SELECT token_id::text AS id, owner, consumed FROM reward_tokens`)).rows;
    const minted = events.filter((e) => e.contract === "rewards" && e.event.eventName === "Transfer" && (e.event.args as { from: string }).from === ZERO_ADDRESS).length;
    if (tokens.length !== minted) problems.push(`reward_tokens ${tokens.length} != ${minted} minted`);
    for (const t of tokens) {
      const owner = (await p.publicClient.readContract({ address: p.rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [BigInt(t.id)], blockNumber })) as string;
      if (owner.toLowerCase() !== t.owner) problems.push(`token ${t.id}: owner ${t.owner} != chain ${owner}`);
    }
    return { problems, accounts: addresses.size, events: events.length };
  } finally {
    await db.end();
  }
}

/** Waits until the mirror's cursor is the chain's latest block (number and hash). */
export async function waitForCatchUp(p: TestProgram, databaseUrl: string, timeoutMs = 30_000) {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      const head = await p.publicClient.getBlock({ blockTag: "latest" });
      const state = (await db.query(`SELECT cursor_number, cursor_hash FROM indexer_state`).catch(() => ({ rows: [] as never[] }))).rows[0] as
        | { cursor_number: string; cursor_hash: string }
        | undefined;
      last = `mirror at ${state?.cursor_number}/${state?.cursor_hash}, chain at ${head.number}/${head.hash}`;
      if (state && BigInt(state.cursor_number) === head.number && state.cursor_hash === head.hash) return;
      if (Date.now() > deadline) throw new Error(`the mirror did not catch up in ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await db.end();
  }
}

/** Sends `n` plain transfers between members (one block each with automine); `salt` makes them differ. */
export async function transfers(p: TestProgram, n: number, salt: number) {
  const r = rng(salt);
  for (let i = 0; i < n; i++) {
    const from = MEMBERS[Math.floor(r() * MEMBERS.length)];
    const to = MEMBERS[Math.floor(r() * MEMBERS.length)];
    const amount = BigInt(Math.floor(r() * 3));
    // A member whose points expired can still send 0: every call is one block with one Transfer.
    await send(p, from, p.points, loyaltyPointsAbi, "transfer", [devAccount(to).address, amount]).catch(() =>
      send(p, from, p.points, loyaltyPointsAbi, "transfer", [devAccount(to).address, 0n]),
    );
  }
}

/** Issues `amount` to every member (so that transfers have something to move). */
export async function fundMembers(p: TestProgram, amount = 1_000n) {
  const members = MEMBERS.map((m) => devAccount(m).address);
  await send(p, MERCHANTS[0], p.points, loyaltyPointsAbi, "issueBatch", [members, members.map(() => amount), keccak256(toHex(`fund-${Date.now()}-${Math.random()}`))]);
}

const chainRequest = <T>(p: TestProgram, method: string, params: unknown[] = []) =>
  p.publicClient.request({ method: method as never, params: params as never }) as Promise<T>;

/** Remembers the chain as it is now (Hardhat's evm_snapshot); `revertTo` brings it back: a reorg. */
export const snapshotChain = (p: TestProgram) => chainRequest<string>(p, "evm_snapshot");

/** Reverts to a snapshot (consumed, with every later one): the blocks mined since are gone. */
export async function revertChain(p: TestProgram, snapshot: string) {
  if (!(await chainRequest<boolean>(p, "evm_revert", [snapshot]))) throw new Error(`evm_revert ${snapshot} refused`);
}

/** `n` blocks unlike any other (each an issuance under a fresh ref): a new branch after a revert. */
export async function freshBlocks(p: TestProgram, n: number, seed: number) {
  const r = rng(seed);
  for (let i = 0; i < n; i++) {
    const member = devAccount(MEMBERS[Math.floor(r() * MEMBERS.length)]).address;
    const ref = keccak256(toHex(`fresh-${seed}-${i}-${refCounter++}-${Date.now()}-${Math.random()}`));
    await pts(p, MERCHANTS[Math.floor(r() * MERCHANTS.length)], "issue", [member, BigInt(1 + Math.floor(r() * 300)), ref]);
  }
}
