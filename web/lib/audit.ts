/**
 * The auditor's check, at the mirror's latest final block: each account's mirror balance beside
 * the chain's balanceOf at that block, and Σ mirror balances beside totalSupply. Chain values at a
 * final block never change, so they are cached per block; mirror values are read fresh every time.
 */
import "server-only";
import { auditBlock, getAuditRows, getAuditSnapshot } from "./data/index.ts";
import { balancesAt, totalSupplyAt } from "./chain/server.ts";

/** Up to this many accounts, every page render checks them all; above, the page checks its rows and the report checks all. */
export const FULL_CHECK_LIMIT = 20_000;

export interface AuditedRow {
  address: string;
  mirrorBalance: bigint;
  chainBalance: bigint;
  ok: boolean;
}

export interface AuditResult {
  block: bigint;
  accounts: number;
  mirrorTotal: bigint;
  totalSupply: bigint;
  supplyOk: boolean;
  /** Whether every account was compared (else only `rows`). */
  complete: boolean;
  mismatches: AuditedRow[];
  rows: AuditedRow[];
  page: number;
  pageSize: number;
}

const g = globalThis as unknown as { __auditCache?: Map<bigint, Map<string, bigint>> };

async function chainBalances(addresses: string[], block: bigint) {
  g.__auditCache ??= new Map();
  let cache = g.__auditCache.get(block);
  if (!cache) {
    cache = new Map();
    g.__auditCache.set(block, cache);
    for (const k of g.__auditCache.keys()) if (g.__auditCache.size > 3 && k !== block) g.__auditCache.delete(k);
  }
  const missing = addresses.filter((a) => !cache!.has(a));
  if (missing.length) for (const [a, v] of await balancesAt(missing, block)) cache.set(a, v);
  return cache;
}

export class NoMirrorError extends Error {
  override name = "NoMirrorError";
}

export async function runAudit(options: { page?: number; pageSize?: number; full?: boolean } = {}): Promise<AuditResult> {
  const block = await auditBlock();
  if (block === null) throw new NoMirrorError("the mirror has not indexed anything yet");
  const pageSize = options.pageSize ?? 50;
  const page = Math.max(0, options.page ?? 0);
  const [snapshot, totalSupply] = await Promise.all([getAuditSnapshot(block), totalSupplyAt(block)]);
  const complete = options.full === true || snapshot.accounts <= FULL_CHECK_LIMIT;
  const compare = async (rows: { address: string; mirrorBalance: bigint }[]) => {
    const chain = await chainBalances(rows.map((r) => r.address), block);
    return rows.map((r) => {
      const chainBalance = chain.get(r.address) ?? 0n;
      return { ...r, chainBalance, ok: chainBalance === r.mirrorBalance };
    });
  };
  let rows: AuditedRow[];
  let mismatches: AuditedRow[];
  if (complete) {
    const all = await compare(await getAuditRows(block));
    mismatches = all.filter((r) => !r.ok);
    rows = all.slice(page * pageSize, (page + 1) * pageSize);
  } else {
    rows = await compare(await getAuditRows(block, { offset: page * pageSize, limit: pageSize }));
    mismatches = rows.filter((r) => !r.ok);
  }
  return {
    block,
    accounts: snapshot.accounts,
    mirrorTotal: snapshot.mirrorTotal,
    totalSupply,
    supplyOk: snapshot.mirrorTotal === totalSupply,
    complete,
    mismatches,
    rows,
    page,
    pageSize,
  };
}
