/**
 * `npm run bench:indexer`: the indexer's benchmark on a local Hardhat node.
 *
 * 1. Workload (deterministic): one merchant issues points to H holders (issueBatch), then T transfers,
 *    transfer i from holder i mod H to a fresh address #i (so the mirror ends with H + T accounts), sent
 *    as JSON-RPC batches of eth_sendTransaction from impersonated holders with automine off, mined
 *    with evm_mine.
 * 2. Backfill into an empty database by the indexer CLI (a child process, like production).
 * 3. Realtime lag: 1,000 transactions with automine on; lag = transaction mined → its row visible.
 * 4. Balance lookups through the query layer (indexer/query) on random accounts.
 * Prints a table, and as its last line one JSON object.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { encodeFunctionData, keccak256, toHex, type Address, type Hex } from "viem";
import pg from "pg";
import { loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { MirrorQueries } from "../../indexer/query/index.ts";
import { balanceThroughPrisma } from "./prisma-balance.ts";
import { parseCli, runMain } from "../lib/cli.ts";
import { devAccount } from "../lib/dev-accounts.ts";
import { freePort, startHardhatNode } from "../../test/support/hardhat-node.ts";
import { createTestDatabase } from "../../test/support/postgres.ts";
import { deployTestProgram, rng } from "../../test/support/program.ts";
import { RpcClient } from "../../indexer/rpc/client.ts";

const spec = {
  name: "bench:indexer",
  summary: "benchmark the indexer: backfill speed, realtime lag, balance lookups",
  usage: "npm run bench:indexer -- [--transfers <n>] [--holders <n>] [--lag-txs <n>] [--poll-interval <ms>]",
  options: {
    transfers: { type: "string", default: "100000" },
    holders: { type: "string", default: "5000" },
    "lag-txs": { type: "string", default: "1000" },
    lookups: { type: "string", default: "20000" },
    "poll-interval": { type: "string", default: "100" },
  },
  help: {
    transfers: "ERC-20 transfers in the backfilled workload",
    holders: "holders sending them",
    "lag-txs": "transactions for the realtime lag measurement",
    lookups: "balance lookups measured",
    "poll-interval": "the indexer's realtime polling interval (ms)",
  },
} as const;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hex = (n: bigint | number) => `0x${BigInt(n).toString(16)}`;

async function main() {
  const args = parseCli(spec);
  const T = Number(args.transfers), H = Number(args.holders), LAG = Number(args["lag-txs"]), LOOKUPS = Number(args.lookups);
  const pollMs = Number(args["poll-interval"]);
  const say = (m: string) => process.stderr.write(`${m}\n`);

  const node = await startHardhatNode();
  const db = await createTestDatabase();
  let indexer: ReturnType<typeof spawn> | null = null;
  try {
    const rpc = new RpcClient(node.url, { timeoutMs: 120_000, maxBatch: 1000 });
    const program = await deployTestProgram(node.url, { setup: false });
    const merchant = devAccount(2).address;
    const operator = program.wallet(0);
    const w = async (hash: Promise<Hex>) => program.publicClient.waitForTransactionReceipt({ hash: await hash });
    await w(operator.writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "onboardMerchant", args: [merchant, "Bench shop", 10n ** 30n] }));
    await w(operator.writeContract({ address: program.points, abi: loyaltyPointsAbi, functionName: "setTierThresholds", args: [[100n, 1_000n, 10_000n]] }));

    // Holders: deterministic addresses, impersonated and funded.
    const holders: Address[] = Array.from({ length: H }, (_, i) => `0x${keccak256(toHex(`bench-holder-${i}`)).slice(26)}` as Address);
    const recipient = (i: number) => `0x${keccak256(toHex(`bench-recipient-${i}`)).slice(26)}` as Address;
    await rpc.batch(holders.map((h) => ({ method: "hardhat_impersonateAccount", params: [h] })));
    await rpc.batch(holders.map((h) => ({ method: "hardhat_setBalance", params: [h, hex(10n ** 20n)] })));
    await rpc.request("hardhat_impersonateAccount", [merchant]);

    const t0 = performance.now();
    await rpc.request("evm_setAutomine", [false]);
    let sent = 0;
    const mineAll = async () => {
      for (;;) {
        await rpc.request("evm_mine");
        const b = await rpc.request<{ transactions: string[] }>("eth_getBlockByNumber", ["latest", false]);
        if (b.transactions.length === 0) break;
      }
    };
    const sendAll = async (txs: { from: Address; data: Hex; gas: bigint }[]) => {
      for (let i = 0; i < txs.length; i += 500) {
        const chunk = txs.slice(i, i + 500);
        await rpc.batch(chunk.map((t) => ({ method: "eth_sendTransaction", params: [{ from: t.from, to: program.points, data: t.data, gas: hex(t.gas) }] })));
        sent += chunk.length;
        await rpc.request("evm_mine");
      }
      await mineAll();
    };
    const per = 200;
    const issues = [];
    for (let i = 0; i < H; i += per) {
      const members = holders.slice(i, i + per);
      issues.push({ from: merchant, gas: 15_000_000n, data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueBatch", args: [members, members.map(() => 1_000n), keccak256(toHex(`bench-campaign-${i}`))] }) });
    }
    await sendAll(issues);
    const r = rng(42);
    const transfers = Array.from({ length: T }, (_, i) => ({
      from: holders[i % H], gas: 120_000n,
      data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [recipient(i), BigInt(1 + Math.floor(r() * 5))] }),
    }));
    await sendAll(transfers);
    await rpc.request("evm_setAutomine", [true]);
    const head = await rpc.blockNumber();
    const genSeconds = (performance.now() - t0) / 1000;
    say(`workload: ${sent} transactions in ${genSeconds.toFixed(1)} s, head ${head}`);

    // Backfill by the CLI, in a child process.
    const port = await freePort();
    const started = performance.now();
    let output = "";
    let backfillDone: { events: number; seconds: number; eventsPerSecond: number } | null = null;
    indexer = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), "--import", "tsx", "indexer/cli.ts", "--rpc-url", node.url, "--deployment", program.file, "--confirmations", "0", "--poll-interval", String(pollMs), "--port", String(port), "--no-progress"], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    indexer.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split("\n")) {
        if (line.includes('"backfill done"')) backfillDone = JSON.parse(line);
      }
    });
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    const cursor = async () => BigInt((await pool.query("SELECT cursor_number FROM indexer_state")).rows[0]?.cursor_number ?? -1);
    while ((await cursor().catch(() => -1n)) < head) {
      if (indexer.exitCode !== null) throw new Error(`indexer exited:\n${output}`);
      await sleep(50);
    }
    const wall = (performance.now() - started) / 1000;
    const { rows: [st] } = await pool.query("SELECT events_applied::int AS n FROM indexer_state");
    const events = st.n as number;
    while (!backfillDone) await sleep(20);
    const bd = backfillDone as { events: number; seconds: number; eventsPerSecond: number };
    const dbMb = Number((await pool.query("SELECT pg_database_size(current_database()) AS s")).rows[0].s) / 2 ** 20;
    const accounts = Number((await pool.query("SELECT count(*) AS n FROM accounts")).rows[0].n);
    say(`backfill: ${events} events in ${bd.seconds} s (${wall.toFixed(1)} s with start-up), ${accounts} accounts`);

    // Realtime lag.
    const lags: number[] = [];
    const pending = new Map<string, number>();
    let stop = false;
    const watcher = (async () => {
      while (!stop || pending.size) {
        if (pending.size) {
          const { rows } = await pool.query("SELECT DISTINCT tx_hash FROM point_events WHERE tx_hash = ANY($1)", [[...pending.keys()]]);
          const now = performance.now();
          for (const row of rows) {
            lags.push(now - pending.get(row.tx_hash)!);
            pending.delete(row.tx_hash);
          }
        }
        await sleep(2);
      }
    })();
    for (let i = 0; i < LAG; i++) {
      const hash = await rpc.request<Hex>("eth_sendTransaction", [{ from: holders[i % H], to: program.points, gas: hex(120_000n), data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [holders[(i + 1) % H], 1n] }) }]);
      pending.set(hash, performance.now()); // automine: mined when the call returns
      await sleep(10);
    }
    stop = true;
    await watcher;
    say(`realtime: ${lags.length} transactions, lag p50 ${pct(lags, 50).toFixed(0)} ms, p95 ${pct(lags, 95).toFixed(0)} ms`);

    // Lookups through the query layer, once the indexer has stopped (its peak RSS read first).
    const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${indexer.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    indexer.kill("SIGTERM");
    await new Promise((res) => indexer!.once("exit", res));
    const q = new MirrorQueries(db.url, { poolSize: 1 });
    const sample = (await pool.query("SELECT address FROM accounts ORDER BY random() LIMIT 5000")).rows.map((x) => x.address as string);
    const timeIt = async (fn: (a: string) => Promise<unknown>, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < 500; i++) await fn(sample[i % sample.length]);
      for (let i = 0; i < n; i++) {
        const a = sample[(i * 7919) % sample.length];
        const s = performance.now();
        await fn(a);
        out.push(performance.now() - s);
      }
      return out;
    };
    const lookups = await timeIt((a) => q.accounts.balance(a), LOOKUPS);
    const prismaLookups = await timeIt((a) => balanceThroughPrisma(q, a), Math.min(LOOKUPS, 5000));
    const historyLookups = await timeIt((a) => q.history.page(a, 0, 20), 2000);
    await q.close();
    await pool.end();

    const result = {
      events,
      seconds: +bd.seconds.toFixed(2),
      eventsPerSecond: Math.round(events / bd.seconds),
      peakRssMb: +peakRssMb.toFixed(1),
      dbMb: +dbMb.toFixed(1),
      lagP50Ms: +pct(lags, 50).toFixed(1),
      lagP95Ms: +pct(lags, 95).toFixed(1),
      lookupP50Ms: +pct(lookups, 50).toFixed(3),
      lookupP99Ms: +pct(lookups, 99).toFixed(3),
    };
    const rows: [string, string, string][] = [
      ["workload", `${T} transfers, ${H} holders, ${sent} txs, ${head} blocks`, `${genSeconds.toFixed(1)} s to generate`],
      ["backfill events", String(events), `${accounts} accounts in the mirror`],
      ["backfill time", `${result.seconds} s`, `${wall.toFixed(1)} s from process start`],
      ["events/s", String(result.eventsPerSecond), "target >= 25,000"],
      ["indexer peak RSS", `${result.peakRssMb} MB`, ""],
      ["database size", `${result.dbMb} MB`, ""],
      ["realtime lag p50 / p95", `${result.lagP50Ms} / ${result.lagP95Ms} ms`, `target p95 <= ${300 + pollMs} ms (300 + poll ${pollMs} ms), ${lags.length} txs`],
      ["balance lookup p50 / p99", `${result.lookupP50Ms} / ${result.lookupP99Ms} ms`, `query layer (prepared pg), target p99 <= 2 ms, ${lookups.length} lookups`],
      ["  via Prisma findUnique", `${pct(prismaLookups, 50).toFixed(3)} / ${pct(prismaLookups, 99).toFixed(3)} ms`, "for comparison"],
      ["history page (20) p50 / p99", `${pct(historyLookups, 50).toFixed(3)} / ${pct(historyLookups, 99).toFixed(3)} ms`, "getHistory via Prisma $queryRaw"],
    ];
    const w1 = Math.max(...rows.map((x) => x[0].length)), w2 = Math.max(...rows.map((x) => x[1].length));
    console.log(`${"metric".padEnd(w1)}  ${"value".padEnd(w2)}  notes`);
    console.log(`${"-".repeat(w1)}  ${"-".repeat(w2)}  -----`);
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c}`);
    console.log(JSON.stringify(result));
  } finally {
    if (indexer && indexer.exitCode === null) {
      indexer.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      indexer.kill("SIGKILL");
    }
    await node.stop();
    await db.drop();
  }
}

await runMain("bench:indexer", main);
process.exit(0);
