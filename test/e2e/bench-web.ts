/**
 * `npm run bench:web`: the web app's speed on a big mirror. Fills a fresh mirror with 100,000
 * accounts and 1,000,000 points events (COPY), starts `next start` on it (a Hardhat node with the
 * contracts deployed answers the audit's chain reads), then measures the server render time of the
 * member page (signed-in members picked at random) and of the audit page, and the first-load
 * JavaScript of the member page (gzip). Prints a table, then one JSON line:
 *   {"memberP50Ms":…,"memberP95Ms":…,"auditP95Ms":…,"memberFirstLoadKbGzip":…}
 * Targets (scripts/bench/targets.ts): memberP95Ms ≤ 150, memberFirstLoadKbGzip ≤ 250.
 *   Options: --help (the environment's BENCH_ACCOUNTS, … still set the defaults).
 */
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { keccak256, toHex, getAddress } from "viem";
import { migrate } from "../../indexer/database/migrator.ts";
import { fail, parseCli } from "../../scripts/lib/cli.ts";
import { startStack, stopStack } from "./stack.ts";

const args = parseCli({
  name: "bench:web",
  summary: "server render times of the member and audit pages on a big mirror, and the member page's first-load JS",
  usage: "npm run bench:web -- [--accounts <n>] [--events <n>] [--member-requests <n>] [--audit-requests <n>]",
  options: {
    accounts: { type: "string", default: process.env.BENCH_ACCOUNTS ?? "100000" },
    events: { type: "string", default: process.env.BENCH_EVENTS ?? "1000000" },
    "member-requests": { type: "string", default: process.env.BENCH_MEMBER_REQUESTS ?? "300" },
    "audit-requests": { type: "string", default: process.env.BENCH_AUDIT_REQUESTS ?? "40" },
  },
  help: {
    accounts: "accounts in the mirror (or BENCH_ACCOUNTS)",
    events: "points events in the mirror (or BENCH_EVENTS)",
    "member-requests": "member page renders measured (or BENCH_MEMBER_REQUESTS)",
    "audit-requests": "audit page renders measured (or BENCH_AUDIT_REQUESTS)",
  },
});
const [ACCOUNTS, EVENTS, MEMBER_REQUESTS, AUDIT_REQUESTS] = [args.accounts, args.events, args["member-requests"], args["audit-requests"]].map(Number);
if ([ACCOUNTS, EVENTS, MEMBER_REQUESTS, AUDIT_REQUESTS].some((n) => !Number.isInteger(n) || n < 1)) fail({ name: "bench:web" }, "every option takes a positive whole number");
const SECRET = randomBytes(32).toString("hex");
const DAY = 86_400;

const ADDRESSES: string[] = [];
const addr = (i: number) => (ADDRESSES[i] ??= keccak256(toHex(`bench-account-${i}`)).slice(0, 42).toLowerCase());
const MERCHANTS = [0, 1, 2].map((i) => keccak256(toHex(`bench-merchant-${i}`)).slice(0, 42).toLowerCase());

/** Deterministic PRNG (mulberry32). */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function copy(client: pg.Client, sql: string, rows: Iterable<string>) {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from((function* () {
    let batch = "";
    for (const r of rows) {
      batch += r;
      if (batch.length > 1 << 20) {
        yield batch;
        batch = "";
      }
    }
    if (batch) yield batch;
  })()), stream);
}

async function fillMirror(databaseUrl: string, deploymentFile: string, rpcUrl: string) {
  await migrate(databaseUrl);
  // The chain gets as many blocks as the mirror claims, so that the audit reads real blocks.
  const blocks = Math.ceil(EVENTS / 4);
  const rpc = (method: string, params: unknown[]) =>
    fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json());
  await rpc("hardhat_mine", [`0x${(blocks + 10).toString(16)}`]);
  const head = Number((await rpc("eth_blockNumber", [])).result);
  const d = JSON.parse(readFileSync(deploymentFile, "utf8"));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = Date.now();
  const rand = random(42);
  const now = Math.floor(Date.now() / 1000);
  const start = now - 365 * DAY;
  const balance = new Array<bigint>(ACCOUNTS).fill(0n);
  const earned = new Array<bigint>(ACCOUNTS).fill(0n);
  const last = new Array<number>(ACCOUNTS).fill(0);
  function* events() {
    for (let e = 0; e < EVENTS; e++) {
      const block = 1 + Math.floor(e / 4);
      const ts = start + Math.floor((block / blocks) * 365 * DAY);
      const iso = new Date(ts * 1000).toISOString();
      const m = Math.floor(rand() * ACCOUNTS);
      const tx = `0x${block.toString(16).padStart(64, "0")}`;
      if (e % 5 === 4 && balance[m]! > 10n) {
        const to = Math.floor(rand() * ACCOUNTS);
        const amount = 1n + BigInt(Math.floor(rand() * 10));
        balance[m]! -= amount;
        balance[to]! += amount;
        last[m] = last[to] = ts;
        yield `${block}\t${e % 4}\t${e % 4}\t${tx}\t${iso}\ttransfer\t${addr(m)}\t${addr(to)}\t${amount}\t\\N\t\\N\t\\N\t\\N\n`;
      } else {
        const amount = 1n + BigInt(Math.floor(rand() * 120));
        const merchant = MERCHANTS[e % 3]!;
        balance[m]! += amount;
        earned[m]! += amount;
        last[m] = ts;
        yield `${block}\t${e % 4}\t${e % 4}\t${tx}\t${iso}\tissuance\t\\N\t${addr(m)}\t${amount}\t${merchant}\t0x${e.toString(16).padStart(64, "0")}\t\\N\t\\N\n`;
      }
    }
  }
  await copy(client, "COPY point_events (block_number, log_index, transfer_index, tx_hash, timestamp, kind, from_address, to_address, amount, merchant, ref, reward_id, triggered_by) FROM STDIN", events());
  const tier = (x: bigint) => (x >= 20_000n ? 3 : x >= 5_000n ? 2 : x >= 1_000n ? 1 : 0);
  await copy(
    client,
    "COPY accounts (address, balance, lifetime_earned, tier, last_activity, updated_block) FROM STDIN",
    (function* () {
      for (let i = 0; i < ACCOUNTS; i++) yield `${addr(i)}\t${balance[i]}\t${earned[i]}\t${tier(earned[i]!)}\t${last[i] ? new Date(last[i]! * 1000).toISOString() : "\\N"}\t${blocks}\n`;
    })(),
  );
  const names = ["Boulangerie Bench", "Librairie Bench", "Café Bench"];
  for (const [i, m] of MERCHANTS.entries()) await client.query("INSERT INTO merchants (address, name, allowance, active, onboarded_at) VALUES ($1, $2, 1000000000, true, now())", [m, names[i]]);
  for (let r = 1; r <= 8; r++) {
    await client.query(
      `INSERT INTO rewards (id, merchant, cost, supply_cap, min_tier, valid_from, valid_until, soulbound, mint_only, category, name, description, image, paused, minted, created_at)
       VALUES ($1, $2, $3, 1000, $4, 0, 0, false, false, $5, $6, 'Bench reward', '/rewards/gift.svg', false, 0, now())`,
      [r, MERCHANTS[r % 3], 100 * r, r % 4, r % 5, `Reward ${r}`],
    );
  }
  await client.query("INSERT INTO program_settings (id, tier_thresholds, inactivity_period, paused) VALUES (1, '{1000,5000,20000}', 31536000, false)");
  await client.query(
    `INSERT INTO indexer_state (id, chain_id, genesis_hash, points_address, rewards_address, start_block, cursor_number, cursor_hash, finalized_number, events_applied)
     VALUES (1, $1, $2, $3, $4, $5, $6, NULL, $6, $7)`,
    [d.chainId, d.genesisHash, d.contracts.LoyaltyPoints.address.toLowerCase(), d.contracts.RewardNFT.address.toLowerCase(), d.startBlock, head, EVENTS],
  );
  await client.query(`INSERT INTO blocks (number, hash, parent_hash, timestamp, finalized) VALUES ($1, $2, $2, to_timestamp($3), true)`, [head, keccak256(toHex("head")), now]);
  await client.query("ANALYZE");
  await client.end();
  console.log(`mirror filled: ${ACCOUNTS.toLocaleString("en")} accounts, ${EVENTS.toLocaleString("en")} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function sessionCookie(address: string) {
  const iat = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ a: getAddress(address), c: 31337, k: "wallet", i: iat, e: iat + 3600 })).toString("base64url");
  const mac = createHmac("sha256", Buffer.from(SECRET)).update(payload).digest("base64url");
  return `fid_session=${payload}.${mac}`;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Sequential renders; each must contain `mark` (a real page, not an error page). */
async function timeRequests(urls: { url: string; cookie?: string }[], mark: string) {
  const times: number[] = [];
  for (const { url, cookie } of urls) {
    const t0 = performance.now();
    const r = await fetch(url, { headers: cookie ? { cookie } : {} });
    const body = await r.text();
    if (!r.ok || !body.includes(mark)) throw new Error(`${url}: HTTP ${r.status}, no ${mark} in the page`);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

const info = await startStack({ seed: false, index: false, prepareDatabase: (url, file, rpcUrl) => fillMirror(url, file, rpcUrl), webEnv: { SESSION_SECRET: SECRET } });
try {
  const rand = random(7);
  const member = () => ({ url: `${info.webUrl}/member`, cookie: sessionCookie(addr(Math.floor(rand() * ACCOUNTS))) });
  await timeRequests(Array.from({ length: 20 }, member), "member-balance"); // warm-up
  const memberTimes = await timeRequests(Array.from({ length: MEMBER_REQUESTS }, member), "member-balance");
  const audit = () => ({ url: `${info.webUrl}/audit?page=${Math.floor(rand() * 100)}` });
  await timeRequests(Array.from({ length: 3 }, audit), "audit-table");
  const auditTimes = await timeRequests(Array.from({ length: AUDIT_REQUESTS }, audit), "audit-table");

  const html = await (await fetch(`${info.webUrl}/member`, { headers: { cookie: sessionCookie(addr(1)) } })).text();
  const scripts = [...new Set([...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1]!))];
  let gzip = 0;
  for (const src of scripts) gzip += gzipSync(Buffer.from(await (await fetch(new URL(src, info.webUrl))).arrayBuffer()), { level: 9 }).length;
  const result = {
    memberP50Ms: Math.round(pct(memberTimes, 50) * 10) / 10,
    memberP95Ms: Math.round(pct(memberTimes, 95) * 10) / 10,
    auditP95Ms: Math.round(pct(auditTimes, 95) * 10) / 10,
    memberFirstLoadKbGzip: Math.round((gzip / 1024) * 10) / 10,
  };
  console.log("");
  console.log("| measure | value | target |");
  console.log("|---|---|---|");
  console.log(`| member page p50 (${MEMBER_REQUESTS} renders) | ${result.memberP50Ms} ms | |`);
  console.log(`| member page p95 | ${result.memberP95Ms} ms | ≤ 150 ms ${result.memberP95Ms <= 150 ? "✓" : "✗"} |`);
  console.log(`| audit page p50 (${AUDIT_REQUESTS} renders) | ${Math.round(pct(auditTimes, 50))} ms | |`);
  console.log(`| audit page p95 | ${result.auditP95Ms} ms | |`);
  console.log(`| member first-load JS (${scripts.length} scripts, gzip) | ${result.memberFirstLoadKbGzip} KB | ≤ 250 KB ${result.memberFirstLoadKbGzip <= 250 ? "✓" : "✗"} |`);
  console.log(JSON.stringify(result));
} finally {
  await stopStack(info);
}
