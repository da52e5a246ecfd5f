/**
 * Stage 5: the report, in --out: report.json (everything), accounts.csv (the re-derived books
 * beside the contract's views) and discrepancies.csv. Stamped with the chain id, the pinned block
 * number and hash, the contracts' addresses and code hashes, and the Merkle root of the balances,
 * so that two auditors compare their results in one line (`stampLine`).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify, type Hex } from "viem";
import type { ContractStamp, PinnedBlock } from "./read-chain.ts";
import type { Discrepancy } from "./types.ts";

export interface AccountRow {
  address: string;
  balance: bigint;
  lifetimeEarned: bigint;
  tier: number;
  chainBalance: bigint | null;
  chainLifetimeEarned: bigint | null;
  chainTier: bigint | null;
}

export interface AuditReport {
  tool: "fidelite-audit";
  formatVersion: 1;
  ok: boolean;
  generatedAt: string;
  /** The RPC's origin only: paths and queries often carry API keys. */
  rpc: string;
  chainId: number;
  genesisHash: Hex | null;
  block: { number: number; hash: Hex; timestamp: number; head: number };
  contracts: ContractStamp[];
  deploymentStartBlock: number;
  merkle: { root: Hex; leaves: number; encoding: string };
  totals: {
    logs: number;
    events: number;
    accounts: number;
    totalSupply: string;
    sumOfBalances: string;
    issuances: number;
    redemptions: number;
    expiries: number;
    vouchers: number;
  };
  checks: Record<string, number>;
  mirror: null | {
    cursorNumber: number;
    cursorHash: string | null;
    tables: Record<string, { expected: number; found: number }>;
    notes: string[];
  };
  timings: Record<string, number>;
  discrepancies: Discrepancy[];
  accounts: { address: string; balance: string; lifetimeEarned: string; tier: number }[];
}

export const MERKLE_ENCODING =
  "OpenZeppelin StandardMerkleTree of (address, uint256 balance) for every account with a non-zero balance: " +
  "leaf = keccak256(bytes.concat(keccak256(abi.encode(address, balance)))), leaves sorted by hash, " +
  "node = keccak256 of the sorted pair; empty = 0x00…00";

export const stampLine = (r: Pick<AuditReport, "chainId" | "block" | "merkle" | "ok" | "discrepancies">) =>
  `audit chain=${r.chainId} block=${r.block.number} hash=${r.block.hash} root=${r.merkle.root} leaves=${r.merkle.leaves} ` +
  (r.ok ? "result=OK" : `result=FAIL discrepancies=${r.discrepancies.length}`);

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const csv = (header: string[], rows: unknown[][]) => [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";

export function rpcOrigin(url: string) {
  try {
    return new URL(url).origin;
  } catch {
    return "(unparsable URL)";
  }
}

/** The report's files as `writeReport` writes them: name → content (report.json, accounts.csv, discrepancies.csv). */
export function reportFiles(report: AuditReport, accounts: AccountRow[]): { "report.json": string; "accounts.csv": string; "discrepancies.csv": string } {
  const json = stringify(report, null, 2);
  return {
    "report.json": `${json}\n`,
    "accounts.csv": csv(
      ["address", "balance", "lifetime_earned", "tier", "chain_balance", "chain_lifetime_earned", "chain_tier", "matches"],
      accounts.map((a) => [
        a.address, a.balance, a.lifetimeEarned, a.tier, a.chainBalance, a.chainLifetimeEarned, a.chainTier,
        a.chainBalance === a.balance && a.chainLifetimeEarned === a.lifetimeEarned && a.chainTier === BigInt(a.tier),
      ]),
    ),
    "discrepancies.csv": csv(
      ["check", "account", "expected", "found", "message", "events"],
      report.discrepancies.map((d) => [
        d.check, d.account, d.expected, d.found, d.message,
        d.events.map((e) => `${e.contract}.${e.event}@${e.blockNumber}#${e.logIndex} ${e.txHash}`).join("; "),
      ]),
    ),
  };
}

export async function writeReport(dir: string, report: AuditReport, accounts: AccountRow[]) {
  await mkdir(dir, { recursive: true });
  const contents = reportFiles(report, accounts);
  const files = {
    json: path.join(dir, "report.json"),
    accounts: path.join(dir, "accounts.csv"),
    discrepancies: path.join(dir, "discrepancies.csv"),
  };
  await writeFile(files.json, contents["report.json"]);
  await writeFile(files.accounts, contents["accounts.csv"]);
  await writeFile(files.discrepancies, contents["discrepancies.csv"]);
  return files;
}
