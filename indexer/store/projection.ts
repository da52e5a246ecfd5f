/**
 * Everything about a batch that needs no database: the points history, the per-account changes,
 * the account migrations, the merchants' allowance changes and the COPY text. Pure functions, so the
 * backfill prepares the next range while the current one is being written, and they are tested
 * without Postgres (projection.test.ts).
 */
import { ZERO_ADDRESS } from "../../contracts/spec/index.ts";
import { toPointHistory, type DomainEvent, type PointHistoryEvent } from "../decode/index.ts";
import type { Batch } from "./types.ts";

/** Semantic events folded into their Transfer's history row (one row stands for two logs). */
const FOLDED = new Set(["PointsIssued", "PointsClawedBack", "PointsRedeemed", "PointsExpired", "PointsDonated"]);

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

export interface AccountDelta {
  balance: bigint;
  earned: bigint;
  last: number;
}

export interface PreparedBatch {
  times: Map<bigint, number>;
  tsOf: (n: bigint) => string;
  history: PointHistoryEvent[];
  programEvents: DomainEvent[];
  nftTransfers: DomainEvent[];
  accounts: Map<string, AccountDelta>;
  migrations: Migration[];
  allowances: Map<string, AllowanceChange>;
  /** The history rows in COPY text format. */
  copyChunks: string[];
  /** Postgres array literals of the account changes, in `accounts`' key order (hex and digits: no quoting). */
  accountArrays: { addresses: string; balances: string; earned: string; last: string };
}

export function prepareBatch(batch: Batch): PreparedBatch {
  const times = new Map<bigint, number>(batch.blocks.map((b) => [b.number, b.timestamp]));
  const isoCache = new Map<bigint, string>();
  const tsOf = (n: bigint) => {
    let s = isoCache.get(n);
    if (!s) {
      const t = times.get(n);
      if (t === undefined) throw new Error(`batch lacks the header of block ${n}`);
      s = iso(t);
      isoCache.set(n, s);
    }
    return s;
  };
  const history = toPointHistory(batch.events);
  const programEvents = batch.events.filter(
    (e) => !(e.event.eventName === "Transfer") && !(e.contract === "points" && FOLDED.has(e.event.eventName)),
  );
  const nftTransfers = batch.events.filter((e) => e.contract === "rewards" && e.event.eventName === "Transfer");
  const accounts = aggregateAccounts(history, times);
  const deltas = [...accounts.values()];
  const accountArrays = {
    addresses: `{${[...accounts.keys()].join(",")}}`,
    balances: `{${deltas.map((d) => d.balance).join(",")}}`,
    earned: `{${deltas.map((d) => d.earned).join(",")}}`,
    last: `{${deltas.map((d) => d.last).join(",")}}`,
  };
  return {
    times,
    tsOf,
    history,
    programEvents,
    nftTransfers,
    accounts,
    migrations: migrationsOf(batch.events, history, times),
    allowances: allowanceChanges(batch.events),
    copyChunks: copyText(history, tsOf),
    accountArrays,
  };
}

/** The history rows as COPY text, in chunks of 2,000 rows (the columns of `COPY point_events`). */
export function copyText(history: readonly PointHistoryEvent[], tsOf: (n: bigint) => string): string[] {
  const N = "\\N";
  const chunks: string[] = [];
  let chunk = "";
  for (let i = 0; i < history.length; i++) {
    const r = history[i];
    chunk += `${r.blockNumber}\t${r.logIndex}\t${r.transferIndex}\t${r.txHash}\t${tsOf(r.blockNumber)}\t${r.kind}\t${r.from ?? N}\t${r.to ?? N}\t${r.amount}\t${r.merchant ?? N}\t${r.ref ?? N}\t${r.rewardId ?? N}\t${r.triggeredBy ?? N}\n`;
    if (i % 2000 === 1999) {
      chunks.push(chunk);
      chunk = "";
    }
  }
  if (chunk) chunks.push(chunk);
  return chunks;
}

/** An AccountMigrated event, with what the store needs to apply it. */
export interface Migration {
  from: string;
  to: string;
  lifetimeEarned: bigint;
  /** The source's last activity within the batch before the migration (seconds), or null. */
  fromLastInBatch: number | null;
}

/**
 * The batch's account migrations, in order. As LoyaltyPoints.migrateAccount does, the target's last
 * activity becomes the later of its own and the source's at that moment: the source's activity
 * before the batch is in its row, its activity in the batch up to the migration is computed here
 * (later events of the source must not count).
 */
export function migrationsOf(events: readonly DomainEvent[], history: readonly PointHistoryEvent[], times: Map<bigint, number>): Migration[] {
  const out: Migration[] = [];
  for (const e of events) {
    if (e.contract !== "points" || e.event.eventName !== "AccountMigrated") continue;
    const { from, to, lifetimeEarned } = e.event.args;
    let last: number | null = null;
    for (const r of history) {
      if (r.blockNumber > e.blockNumber || (r.blockNumber === e.blockNumber && r.transferIndex > e.logIndex)) break;
      if (!isActivity(r) || (r.from !== from && r.to !== from)) continue;
      const t = times.get(r.blockNumber)!;
      if (last === null || t > last) last = t;
    }
    out.push({ from, to, lifetimeEarned, fromLastInBatch: last });
  }
  return out;
}

/**
 * Whether a history row is activity, as LoyaltyPoints stamps it: a nonzero amount between two
 * different parties (mints and burns stamp the member). A zero-point transfer stamps nobody (else
 * anyone could postpone another member's expiry for free), nor does a transfer to oneself (else one
 * point sent to oneself once a year would keep a balance forever).
 */
export const isActivity = (r: PointHistoryEvent) => r.amount !== 0n && r.from !== r.to;

/** Per-account change of a batch: balance, lifetime earned, last activity (see isActivity). */
export function aggregateAccounts(history: readonly PointHistoryEvent[], times: Map<bigint, number>): Map<string, AccountDelta> {
  const out = new Map<string, AccountDelta>();
  const get = (a: string) => {
    let d = out.get(a);
    if (!d) out.set(a, (d = { balance: 0n, earned: 0n, last: 0 }));
    return d;
  };
  for (const r of history) {
    // Neither changes a balance nor, on chain, stamps anybody's activity.
    if (!isActivity(r)) continue;
    const t = times.get(r.blockNumber)!;
    if (r.from) {
      const d = get(r.from);
      d.balance -= r.amount;
      if (r.kind === "clawback") d.earned -= r.amount;
      if (t > d.last) d.last = t;
    }
    if (r.to) {
      const d = get(r.to);
      d.balance += r.amount;
      if (r.kind === "issuance") d.earned += r.amount;
      if (t > d.last) d.last = t;
    }
  }
  return out;
}

/** A merchant's allowance in a batch: the last value set (null: none) and what it issued after it. */
export interface AllowanceChange {
  set: bigint | null;
  spent: bigint;
}

export function allowanceChanges(events: readonly DomainEvent[]): Map<string, AllowanceChange> {
  const out = new Map<string, AllowanceChange>();
  for (const e of events) {
    if (e.contract !== "points") continue;
    const ev = e.event;
    if (ev.eventName === "IssuanceAllowanceSet") out.set(ev.args.merchant, { set: ev.args.newAllowance, spent: 0n });
    else if (ev.eventName === "PointsIssued") {
      const m = out.get(ev.args.merchant) ?? { set: null, spent: 0n };
      m.spent += ev.args.amount;
      out.set(ev.args.merchant, m);
    }
  }
  return out;
}

/** Each NFT's last owner in the batch, and the block it was minted in when the batch mints it. */
export function tokenOwners(nftTransfers: readonly DomainEvent[]): Map<bigint, { owner: string; mintedBlock?: bigint }> {
  const tokens = new Map<bigint, { owner: string; mintedBlock?: bigint }>();
  for (const e of nftTransfers) {
    const a = e.event.args as { from: string; to: string; tokenId: bigint };
    const t = tokens.get(a.tokenId) ?? { owner: a.to };
    t.owner = a.to;
    if (a.from === ZERO_ADDRESS) t.mintedBlock = e.blockNumber;
    tokens.set(a.tokenId, t);
  }
  return tokens;
}

/** A history row that folds a semantic event into its Transfer stands for two logs. */
export function countFolded(rows: readonly { folded: boolean }[]): number {
  return rows.filter((r) => r.folded).length;
}
