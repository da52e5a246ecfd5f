/**
 * The auditor's full report, as `npm run audit -- --out <dir>` writes it (report.json,
 * accounts.csv, discrepancies.csv): the audit of scripts/audit (runAudit, reportFiles), imported
 * as is — web/ holds no copy of its logic. It re-derives the books from the chain's events alone,
 * so it takes seconds on a large programme: reports are generated on demand, one at a time, and
 * kept in memory by block hash.
 *
 * Two kinds:
 *   - chain only: at the mirror's latest final block (the block the page shows), pinned with
 *     `--block`; a block hash fixes its content, so it is cached by that hash;
 *   - compared with the mirror (`--database-url`, no `--block`): the CLI pins the mirror's own block
 *     (the only block at which its derived tables can be compared). The mirror can change without
 *     a new block (a repair, a corruption), so the key also holds Postgres' current snapshot
 *     (xmin:xmax:in-progress): any commit since changes it, and the report is made again.
 */
import "server-only";
import { createHash } from "node:crypto";
import { reportFiles, stampLine, type AuditReport } from "../../scripts/audit/report.ts";
import { runAudit as runChainAudit } from "../../scripts/audit/run-audit.ts";
import { chainClient } from "./chain/server.ts";
import { databaseUrl, deployment, rpcUrl } from "./config.ts";
import { queries } from "./data/db.ts";
import { auditBlock } from "./data/index.ts";
import { NoMirrorError } from "./audit.ts";
import { REPORT_FILES, type ReportFile, type ReportSummary } from "./audit-report-summary.ts";

interface Entry {
  summary: ReportSummary;
  files: Record<ReportFile, string>;
}

/** Reports kept (a report of 100,000 accounts is tens of MB of text). */
const KEEP = 3;

const g = globalThis as unknown as {
  __auditReports?: Map<string, Entry>;
  __auditInFlight?: Map<string, Promise<Entry>>;
  __auditQueue?: Promise<unknown>;
};
const cache = () => (g.__auditReports ??= new Map());
const inFlight = () => (g.__auditInFlight ??= new Map());

export class ReportExpiredError extends Error {
  override name = "ReportExpiredError";
}

const chainKey = (block: bigint, hash: string) => `b${block}-${hash.toLowerCase()}`;

/** The mirror's block and a fingerprint of the database's committed state (its current snapshot), read together. */
async function mirrorState(): Promise<{ cursorNumber: bigint; cursorHash: string | null; fingerprint: string } | null> {
  const r = await queries().audit.cursorAndSnapshot();
  if (!r) return null;
  return { cursorNumber: r.cursorNumber, cursorHash: r.cursorHash, fingerprint: createHash("sha256").update(r.snapshot).digest("hex").slice(0, 16) };
}

/** One audit at a time on the whole server (it keeps a core busy for seconds). */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = (g.__auditQueue ?? Promise.resolve()).then(task, task);
  g.__auditQueue = run.catch(() => {});
  return run;
}

function remember(key: string, entry: Entry) {
  const c = cache();
  c.delete(key);
  c.set(key, entry);
  while (c.size > KEEP) c.delete(c.keys().next().value!);
}

async function generate(key: string, options: { mirror: boolean; block?: number }): Promise<Entry> {
  const started = performance.now();
  const url = databaseUrl();
  if (options.mirror && !url) throw new NoMirrorError("no mirror database is configured");
  const { report, accounts } = await runChainAudit({
    rpcUrl: rpcUrl(),
    deployment: deployment(),
    block: options.block,
    databaseUrl: options.mirror ? url : undefined,
    progress: null,
  });
  const files = reportFiles(report, accounts);
  const entry: Entry = { summary: summarize(key, options.mirror, report, files, (performance.now() - started) / 1000), files };
  return entry;
}

function summarize(key: string, mirror: boolean, report: AuditReport, files: Record<ReportFile, string>, seconds: number): ReportSummary {
  const prefix = `audit-${report.chainId}-block-${report.block.number}${mirror ? "-mirror" : ""}`;
  return {
    key,
    mirror,
    ok: report.ok,
    chainId: report.chainId,
    block: report.block.number,
    blockHash: report.block.hash,
    merkleRoot: report.merkle.root,
    leaves: report.merkle.leaves,
    accounts: report.totals.accounts,
    discrepancies: report.discrepancies.length,
    discrepancyAccounts: [...new Set(report.discrepancies.map((d) => d.account))].slice(0, 20),
    stamp: stampLine(report),
    generatedAt: report.generatedAt,
    seconds: Math.round(seconds * 100) / 100,
    files: Object.fromEntries(
      REPORT_FILES.map((f) => [f, { name: `${prefix}-${f}`, bytes: Buffer.byteLength(files[f]) }]),
    ) as Record<ReportFile, { name: string; bytes: number }>,
  };
}

function once(key: string, make: () => Promise<Entry>): Promise<Entry> {
  const hit = cache().get(key);
  if (hit) return Promise.resolve(hit);
  const pending = inFlight().get(key);
  if (pending) return pending;
  const p = serialized(async () => cache().get(key) ?? make())
    .then((entry) => {
      remember(key, entry);
      return entry;
    })
    .finally(() => inFlight().delete(key));
  inFlight().set(key, p);
  return p;
}

/** The report of the latest final block (chain only) or of the mirror's block (compared with it): cached or made now. */
export async function currentReport(options: { mirror: boolean }): Promise<Entry> {
  if (options.mirror) {
    // The CLI's own choice with --database-url and no --block: the mirror's block.
    // (If the indexer moves on meanwhile, the report is of its newer block; the fingerprint changed
    // with that commit, so this key is never asked for again.)
    const state = await mirrorState();
    if (!state) throw new NoMirrorError("the mirror has not indexed anything yet");
    const key = `${chainKey(state.cursorNumber, state.cursorHash ?? "nohash")}-m${state.fingerprint}`;
    return once(key, () => generate(key, { mirror: true }));
  }
  const block = await auditBlock();
  if (block === null) throw new NoMirrorError("the mirror has not indexed anything yet");
  const { hash } = await chainClient().getBlock({ blockNumber: block });
  const key = chainKey(block, hash!);
  return once(key, () => generate(key, { mirror: false, block: Number(block) }));
}

/** A report prepared earlier, by its key. A chain-only report is made again if it was dropped; a mirror one cannot be. */
export async function reportByKey(key: string): Promise<Entry> {
  const hit = cache().get(key);
  if (hit) return hit;
  const m = /^b(\d{1,12})-(0x[0-9a-f]{64})$/.exec(key);
  if (!m) throw new ReportExpiredError("this report is no longer kept: prepare it again");
  const block = BigInt(m[1]!);
  const { hash } = await chainClient().getBlock({ blockNumber: block });
  if (hash?.toLowerCase() !== m[2]) throw new ReportExpiredError(`block ${block} is no longer ${m[2]} on this chain: prepare the report again`);
  return once(key, () => generate(key, { mirror: false, block: Number(block) }));
}
