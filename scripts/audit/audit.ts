/**
 * `npm run audit -- --rpc <url> [--block N] [--deployment <file> | --chain-id <id>]
 *                   [--database-url <url>] [--out <dir>]`
 *
 * Re-derives the loyalty program's books from the contracts' events alone and checks them against
 * the contracts and the rules; optionally compares the Postgres mirror row by row. Exit codes:
 * 0 everything holds, 1 discrepancies (listed), 2 bad usage, 3 the audit could not run.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DeploymentFileError } from "../../contracts/deployments.ts";
import { helpText, parseCli, UsageError } from "../lib/cli.ts";
import { MirrorError } from "./compare-mirror.ts";
import { LogRangeError } from "./fetch-logs.ts";
import { AuditSetupError } from "./read-chain.ts";
import { stampLine, writeReport, type AuditReport } from "./report.ts";
import { RpcError } from "./rpc.ts";
import { runAudit } from "./run-audit.ts";
import type { Discrepancy } from "./types.ts";

export const EXIT = { ok: 0, discrepancies: 1, usage: 2, cannotAudit: 3 } as const;

export const spec = {
  name: "audit",
  summary: "verify the loyalty program's books from the chain alone (and, optionally, the Postgres mirror)",
  usage:
    "npm run audit -- --rpc <url> [--block <n>] [--deployment <file> | --chain-id <id>] [--database-url <url>] [--out <dir>]\n\n" +
    "Fetches every event of LoyaltyPoints and RewardNFT (eth_getLogs, adaptive ranges) from the deployment\n" +
    "block to the pinned block, re-derives each account's balance, lifetime earned points and tier, and\n" +
    "checks at that block: balanceOf / lifetimeEarned / tierOf of every account, Σ balances = totalSupply,\n" +
    "issuance within each merchant's allowance with single-use refs, redemptions (cost burnt, cap, tier,\n" +
    "validity window), expiries (inactivity period since the last balance change) and vouchers (the\n" +
    "holder's EIP-712 signature, recovered from the consumeVoucher transaction). Works with any EVM RPC.\n\n" +
    "Writes report.json, accounts.csv and discrepancies.csv to --out, stamped with the chain id, block\n" +
    "number and hash, contract code hashes and the Merkle root of the balances (OpenZeppelin\n" +
    "StandardMerkleTree of (address, uint256) over non-zero balances): compare the last line.\n\n" +
    "Exit status: 0 all checks hold; 1 discrepancies (each listed); 2 bad usage; 3 the audit could not run\n" +
    "(RPC unreachable, --block beyond the head, wrong contract address, unreadable deployment or database).",
  options: {
    rpc: { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    block: { type: "string" },
    deployment: { type: "string" },
    "chain-id": { type: "string" },
    "database-url": { type: "string" },
    out: { type: "string", default: "reports/audit" },
    json: { type: "boolean", default: false },
  },
  help: {
    rpc: "JSON-RPC endpoint of any EVM node serving the chain (or RPC_URL)",
    block: "block to audit (default: the head, or the mirror's block with --database-url); beyond the head is an error",
    deployment: "deployment record to audit (default: deployments/<chainId>.json)",
    "chain-id": "read deployments/<id>.json instead of the RPC's chain id",
    "database-url": "Postgres mirror to compare row by row (accounts, point/program/NFT events, rewards, merchants…)",
    out: "directory for report.json, accounts.csv and discrepancies.csv",
    json: "print the report's summary as JSON on stdout instead of a table",
  },
} as const;

const integer = (value: string | undefined, flag: string) => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a non-negative integer, got ${value}`);
  return Number(value);
};

export function summaryTable(report: AuditReport, discrepancies: Discrepancy[], limit = 30): string {
  const lines = [
    `chain ${report.chainId} · block ${report.block.number} ${report.block.hash} (head ${report.block.head})`,
    ...report.contracts.map((c) => `  ${c.name.padEnd(17)} ${c.address} code ${c.codeHash}`),
    `events ${report.totals.events} · accounts ${report.totals.accounts} · totalSupply ${report.totals.totalSupply} · Σ balances ${report.totals.sumOfBalances}`,
    `issuances ${report.totals.issuances} · redemptions ${report.totals.redemptions} · expiries ${report.totals.expiries} · vouchers ${report.totals.vouchers}`,
  ];
  if (report.mirror) {
    lines.push(`mirror at block ${report.mirror.cursorNumber}: ` + Object.entries(report.mirror.tables).map(([t, n]) => `${t} ${n.found}/${n.expected}`).join(", "));
    for (const note of report.mirror.notes) lines.push(`  note: ${note}`);
  }
  lines.push(`timings (s): ${Object.entries(report.timings).map(([k, v]) => `${k} ${v}`).join(" · ")}`);
  if (discrepancies.length) {
    lines.push("", `${discrepancies.length} discrepanc${discrepancies.length === 1 ? "y" : "ies"}:`);
    for (const d of discrepancies.slice(0, limit)) {
      lines.push(`  [${d.check}] ${d.account}: expected ${d.expected}, found ${d.found} — ${d.message}`);
      for (const e of d.events.slice(-4)) lines.push(`      ${e.contract}.${e.event} block ${e.blockNumber} log ${e.logIndex} tx ${e.txHash}`);
    }
    if (discrepancies.length > limit) lines.push(`  … and ${discrepancies.length - limit} more in discrepancies.csv`);
  }
  return lines.join("\n");
}

export async function auditCommand(argv = process.argv.slice(2)): Promise<number> {
  const args = parseCli(spec, argv);
  const block = integer(args.block, "--block");
  const chainId = integer(args["chain-id"], "--chain-id");
  if (args.deployment && chainId !== undefined) throw new UsageError("--deployment and --chain-id are alternatives");
  const { report, accounts } = await runAudit({
    rpcUrl: args.rpc!,
    block,
    deploymentFile: args.deployment,
    chainId,
    databaseUrl: args["database-url"] ?? undefined,
    progress: process.stderr,
    log: (m) => process.stderr.write(`audit: ${m}\n`),
  });
  const files = await writeReport(args.out!, report, accounts);
  if (args.json) {
    const { accounts: _a, discrepancies, ...summary } = report;
    console.log(JSON.stringify({ ...summary, discrepancies: discrepancies.length, files }, null, 2));
  } else {
    console.log(summaryTable(report, report.discrepancies));
    console.log(`report: ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.accounts)}, ${path.relative(process.cwd(), files.discrepancies)}`);
  }
  console.log(stampLine(report));
  return report.ok ? EXIT.ok : EXIT.discrepancies;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    process.exitCode = await auditCommand();
  } catch (error) {
    const e = error as Error;
    const known = [AuditSetupError, DeploymentFileError, MirrorError, LogRangeError, RpcError].some((c) => e instanceof c);
    if (e instanceof UsageError) {
      console.error(`audit: ${e.message}\nRun with --help for the options.`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`audit: cannot audit: ${e.message}`);
      if (!known || process.env.DEBUG) console.error(e.stack);
      process.exitCode = EXIT.cannotAudit;
    }
  }
}

export { helpText };
