/**
 * `npm run bench:audit`: builds a chain with 100,000 point transfers (automine off, transactions
 * pre-signed transactions sent in JSON-RPC batches of ~500 then evm_mine, the next batch signed
 * while the node mines), audits it, prints a table and, last, one JSON line:
 * {"seconds", "accountsPerSecond", "eventsPerSecond"} — `seconds` is the audit alone. Target < 10.
 *
 *   npm run bench:audit -- [--transfers 100000] [--recipients 2000] [--rpc <url of a fresh node>]
 */
import { encodeFunctionData, keccak256, toHex as viemHex, type Address } from "viem";
import { loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { parseCli, runMain, UsageError } from "../lib/cli.ts";
import { devAccount } from "../lib/dev-accounts.ts";
import { progressBar } from "../lib/progress.ts";
import { Rpc, toHex } from "./rpc.ts";
import { runAudit } from "./run-audit.ts";
import { deployOnNode } from "./support/chain.ts";

const spec = {
  name: "bench:audit",
  summary: "audit a chain of 100,000 point transfers and report the speed",
  usage: "npm run bench:audit -- [--transfers <n>] [--recipients <n>] [--rpc <url>]",
  options: {
    transfers: { type: "string", default: "100000" },
    recipients: { type: "string", default: "2000" },
    batch: { type: "string", default: "500" },
    rpc: { type: "string" },
  },
  help: {
    transfers: "point transfers to put on the chain",
    recipients: "distinct recipient accounts",
    batch: "transactions per JSON-RPC batch (one block each)",
    rpc: "a FRESH local Hardhat node to use instead of starting one",
  },
} as const;

const MERCHANT = 2;
const SENDERS = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

async function main() {
  const args = parseCli(spec);
  const transfers = Number(args.transfers);
  const recipients = Number(args.recipients);
  const batchSize = Number(args.batch);
  if (!(transfers > 0 && recipients > 0 && batchSize > 0)) throw new UsageError("--transfers, --recipients and --batch must be positive");

  let node: HardhatNode | null = null;
  const url = args.rpc ?? (node = await startHardhatNode()).url;
  try {
    const t0 = performance.now();
    const program = await deployOnNode(url);
    const points = program.deployment.contracts.LoyaltyPoints.address;
    const rpc = new Rpc(url, { batchSize, concurrency: 1 });
    const addr = (i: number) => devAccount(i).address;

    // A merchant funds the senders (one campaign), then automine goes off.
    await rpc.call("eth_sendTransaction", [{ from: addr(0), to: points, data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "onboardMerchant", args: [addr(MERCHANT), "Bench", 10n ** 12n] }) }]);
    await rpc.call("eth_sendTransaction", [{
      from: addr(MERCHANT), to: points,
      data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issueBatch", args: [SENDERS.map(addr), SENDERS.map(() => 10n ** 9n), keccak256(viemHex("bench"))] }),
    }]);
    await rpc.call("evm_setAutomine", [false]);
    const pool = Array.from({ length: recipients }, (_, i) => `0x${keccak256(viemHex(`recipient-${i}`)).slice(26)}` as Address);
    const senders = SENDERS.map((i) => devAccount(i));
    const nonces = await rpc.batch<string>(senders.map((a) => ({ method: "eth_getTransactionCount", params: [a.address, "latest"] })));
    const nonce = nonces.map((n) => Number(n));
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // Pre-signed EIP-1559 transfers; the base fee is pinned at 1 gwei before each block so that
    // hundreds of full blocks do not price the senders out.
    const sign = async (count: number, offset: number) => {
      const raw: string[] = [];
      for (let i = 0; i < count; i++) {
        const k = (offset + i) % senders.length;
        const to = pool[Math.floor(rand() * pool.length)];
        const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [to, BigInt(1 + Math.floor(rand() * 20))] });
        raw.push(await senders[k].signTransaction({
          chainId: program.chain.id, type: "eip1559", nonce: nonce[k]++, to: points, data, gas: 120_000n,
          maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1n,
        }));
      }
      return raw;
    };
    const submit = async (raw: string[]) => {
      const results = await rpc.settle(raw.map((r) => ({ method: "eth_sendRawTransaction", params: [r] })));
      const failed = results.find((r) => "error" in r);
      if (failed && "error" in failed) throw new Error(`a transfer was refused: ${failed.error.message}`);
      await rpc.call("hardhat_setNextBlockBaseFeePerGas", [toHex(1_000_000_000)]);
      await rpc.call("evm_mine");
    };
    let sent = 0;
    const building = progressBar("building the chain", transfers);
    let inFlight: Promise<void> = Promise.resolve();
    while (sent < transfers) {
      const n = Math.min(batchSize, transfers - sent);
      const raw = await sign(n, sent); // signs while the node mines the previous batch
      await inFlight;
      inFlight = submit(raw);
      sent += n;
      building.update(sent, `${sent.toLocaleString("en")}/${transfers.toLocaleString("en")} transfers`);
    }
    await inFlight;
    // Mine what a full block left behind.
    for (let i = 0; i < 50; i++) {
      const pending = await rpc.call<{ transactions: unknown[] } | null>("eth_getBlockByNumber", ["pending", false]);
      if (!pending || pending.transactions.length === 0) break;
      await rpc.call("hardhat_setNextBlockBaseFeePerGas", [toHex(1_000_000_000)]);
      await rpc.call("evm_mine");
    }
    await rpc.call("evm_setAutomine", [true]);
    building.done(`${transfers.toLocaleString("en")} transfers`);
    const buildSeconds = (performance.now() - t0) / 1000;

    const { report } = await runAudit({ rpcUrl: url, deployment: program.deployment, progress: process.stderr });
    const seconds = report.timings.total;
    const transfersOnChain = report.totals.events;
    const rows: [string, string][] = [
      ["chain built (s)", buildSeconds.toFixed(1)],
      ["blocks", String(report.block.number)],
      ["events audited", report.totals.events.toLocaleString("en")],
      ["accounts", report.totals.accounts.toLocaleString("en")],
      ...Object.entries(report.timings).map(([k, v]) => [`  ${k}${typeof v === "number" && k !== "rpcRequests" && k !== "logRequests" ? " (s)" : ""}`, String(v)] as [string, string]),
      ["result", report.ok ? "OK (0 discrepancies)" : `FAIL (${report.discrepancies.length} discrepancies)`],
      ["merkle root", report.merkle.root],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(24)} ${v}`);
    if (!report.ok) for (const d of report.discrepancies.slice(0, 10)) console.log(`  [${d.check}] ${d.account}: expected ${d.expected}, found ${d.found}`);
    console.log(JSON.stringify({
      seconds,
      accountsPerSecond: Math.round(report.totals.accounts / seconds),
      eventsPerSecond: Math.round(transfersOnChain / seconds),
    }));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await node?.stop();
  }
}

await runMain("bench:audit", main);
