/**
 * The data of every page: the mirror's rows from the indexer's query layer (indexer/query, where
 * all SQL over the mirror lives) mapped to the views the pages show. No SQL here.
 */
import "server-only";
import { queries } from "./db.ts";
import type {
  AuditRow,
  AuditSnapshot,
  CatalogReward,
  DailyPoint,
  HistoryPage,
  HistoryRow,
  MemberOverview,
  MerchantAnalytics,
  MerchantView,
  MirrorStatus,
  NextTier,
  OwnedToken,
  PointEventKind,
  ProgramSettingsView,
  ProgramStats,
  TrailRow,
} from "./types.ts";

import { big, norm as lower } from "../../../indexer/query/db.ts";

// ---------------------------------------------------------------- program

export async function getMirrorStatus(): Promise<MirrorStatus | null> {
  const c = await queries().program.cursor();
  return c && { chainId: c.chainId, cursorNumber: c.cursorNumber, finalizedNumber: c.finalizedNumber, latestTimestamp: c.latestTimestamp };
}

export function getSettings(): Promise<ProgramSettingsView> {
  return queries().program.settings();
}

export function getMerchants(): Promise<MerchantView[]> {
  return queries().program.merchants();
}

export function getCharities() {
  return queries().program.activeCharities();
}

export async function getProgramStats(): Promise<ProgramStats> {
  const [headline, merchants, charities, settings, status] = await Promise.all([
    queries().program.headline(),
    getMerchants(),
    getCharities(),
    getSettings(),
    getMirrorStatus(),
  ]);
  return {
    pointsInCirculation: headline.supply,
    members: headline.members,
    rewardsRedeemed: headline.redemptions,
    merchants,
    charities,
    settings,
    status,
  };
}

export async function getCatalog(options: { merchant?: string } = {}): Promise<CatalogReward[]> {
  const [rows, merchants] = await Promise.all([
    queries().catalog.rewards(),
    getMerchants(),
  ]);
  const only = options.merchant ? lower(options.merchant) : null;
  const names = new Map(merchants.map((m) => [m.address, m.name]));
  const active = new Map(merchants.map((m) => [m.address, m.active]));
  return rows.filter((r) => only === null || r.merchant === only).map((r) => ({
    id: r.id,
    merchant: r.merchant,
    merchantName: names.get(r.merchant) ?? null,
    cost: big(r.cost),
    supplyCap: r.supplyCap,
    minted: BigInt(r.minted),
    minTier: r.minTier,
    validFrom: r.validFrom,
    validUntil: r.validUntil,
    soulbound: r.soulbound,
    mintOnly: r.mintOnly,
    category: r.category,
    name: r.name,
    description: r.description,
    image: r.image,
    paused: r.paused,
    merchantActive: active.get(r.merchant) ?? false,
  }));
}

// ---------------------------------------------------------------- member

export function nextTierOf(lifetimeEarned: bigint, tier: number, thresholds: bigint[]): NextTier | null {
  if (tier >= thresholds.length) return null;
  const threshold = thresholds[tier]!;
  const base = tier === 0 ? 0n : thresholds[tier - 1]!;
  const span = threshold - base;
  const done = lifetimeEarned - base;
  const progressPermille = span <= 0n ? 1000 : Number(done <= 0n ? 0n : done >= span ? 1000n : (done * 1000n) / span);
  return { tier: tier + 1, threshold, remaining: threshold > lifetimeEarned ? threshold - lifetimeEarned : 0n, progressPermille };
}

export async function getAccountSummary(address: string) {
  const [account, settings] = await Promise.all([queries().accounts.account(address), getSettings()]);
  const balance = big(account?.balance);
  const lifetimeEarned = big(account?.lifetimeEarned);
  const tier = account?.tier ?? 0;
  const lastActivity = account?.lastActivity ?? null;
  const expiresAt =
    settings.inactivityPeriod > 0n && lastActivity && balance > 0n
      ? new Date(lastActivity.getTime() + Number(settings.inactivityPeriod) * 1000)
      : null;
  return {
    address: lower(address),
    known: account !== null,
    balance,
    lifetimeEarned,
    tier,
    lastActivity,
    expiresAt,
    nextTier: nextTierOf(lifetimeEarned, tier, settings.tierThresholds),
    settings,
  };
}

export async function getOwnedTokens(address: string): Promise<OwnedToken[]> {
  const [tokens, merchants] = await Promise.all([
    queries().catalog.tokensOf(address),
    getMerchants(),
  ]);
  const names = new Map(merchants.map((m) => [m.address, m.name]));
  return tokens.map((t) => ({
    tokenId: big(t.tokenId),
    rewardId: t.rewardId,
    name: t.reward.name,
    description: t.reward.description,
    image: t.reward.image,
    category: t.reward.category,
    soulbound: t.reward.soulbound,
    consumed: t.consumed,
    merchant: t.reward.merchant,
    merchantName: names.get(t.reward.merchant) ?? null,
    mintedAt: t.mintedAt,
  }));
}

export async function getMemberOverview(address: string): Promise<MemberOverview> {
  const [summary, tokens] = await Promise.all([getAccountSummary(address), getOwnedTokens(address)]);
  const { settings: _settings, ...rest } = summary;
  return { ...rest, tokens };
}

// ---------------------------------------------------------------- history


/** `address`'s history, newest first, `pageSize` rows per page; `cursor` is the page number ("0" newest). */
export async function getHistory(address: string, cursor?: string | null, pageSize = 20): Promise<HistoryPage> {
  const a = lower(address);
  const page = cursor && /^\d{1,6}$/.test(cursor) ? Number(cursor) : 0;
  const items = await queries().history.page(a, page, pageSize);
  const [merchants, charities, rewardNames] = await Promise.all([
    getMerchants(),
    getCharities(),
    queries().catalog.rewardNames([...new Set(items.filter((r) => r.rewardId !== null).map((r) => r.rewardId!))]),
  ]);
  const names = new Map<string, string>([...merchants.map((m) => [m.address, m.name] as const), ...charities.map((c) => [c.address, c.name] as const)]);
  const rows: HistoryRow[] = items.map((r) => {
    const direction = r.to === a ? "in" : "out";
    const counterparty = direction === "in" ? r.from : r.to;
    return {
      id: `${r.blockNumber}-${r.logIndex}`,
      txHash: r.txHash,
      blockNumber: r.blockNumber,
      logIndex: r.logIndex,
      timestamp: r.timestamp,
      kind: r.kind,
      direction,
      amount: r.amount,
      counterparty,
      counterpartyName: counterparty ? (names.get(counterparty) ?? null) : null,
      merchant: r.merchant,
      merchantName: r.merchant ? (names.get(r.merchant) ?? null) : null,
      rewardId: r.rewardId,
      rewardName: r.rewardId === null ? null : (rewardNames.get(r.rewardId) ?? null),
    };
  });
  return { rows, page, nextCursor: rows.length === pageSize ? String(page + 1) : null, prevCursor: page > 0 ? String(page - 1) : null };
}

// ---------------------------------------------------------------- audit

/** The block the audit is taken at: the mirror's latest final block (never above its cursor). */
export async function auditBlock(): Promise<bigint | null> {
  const s = await getMirrorStatus();
  if (!s) return null;
  if (s.finalizedNumber >= 0n && s.finalizedNumber <= s.cursorNumber) return s.finalizedNumber;
  return s.cursorNumber;
}

export async function getAuditSnapshot(block: bigint): Promise<AuditSnapshot> {
  const [totals, after] = await Promise.all([queries().audit.balanceTotals(), queries().audit.changesAfter(block)]);
  let mirrorTotal = totals.total;
  for (const d of after.values()) mirrorTotal -= d;
  return { block, accounts: totals.accounts, mirrorTotal };
}

/**
 * Mirror balances at `block`, ordered by balance (largest first) then address, `offset`/`limit`
 * paged; all of them when `limit` is undefined.
 */
export async function getAuditRows(block: bigint, options: { offset?: number; limit?: number; addresses?: string[] } = {}): Promise<AuditRow[]> {
  const [after, rows] = await Promise.all([queries().audit.changesAfter(block), queries().audit.balances(options)]);
  return rows.map((r) => ({ address: r.address, mirrorBalance: r.balance - (after.get(r.address) ?? 0n) }));
}

export async function getAccountTrail(address: string, limit = 500): Promise<TrailRow[]> {
  const rows = await queries().history.trail(address, limit);
  return rows.map(({ ref: _ref, delta: _delta, ...row }) => row);
}

export async function isIndexed(block: bigint): Promise<{ indexed: boolean; cursor: bigint | null }> {
  const c = await queries().program.cursor();
  return { indexed: c !== null && c.cursorNumber >= block, cursor: c?.cursorNumber ?? null };
}

/** Mirror rows of one transaction (for the transaction view's "indexed" status). */
export function getTxEvents(txHash: string) {
  return queries().history.rowsOfTransaction(txHash);
}

// ---------------------------------------------------------------- analytics

const TZ = "Europe/Paris";

function dayKey(d: Date) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

export async function getMerchantAnalytics(merchant: string, options: { days?: number; periodDays?: number } = {}): Promise<MerchantAnalytics> {
  const m = lower(merchant);
  const days = options.days ?? 60;
  const periodDays = options.periodDays ?? 30;
  const status = await getMirrorStatus();
  const now = status?.latestTimestamp ?? new Date();
  const dayList: string[] = [];
  for (let i = days - 1; i >= 0; i--) dayList.push(dayKey(new Date(now.getTime() - i * 86_400_000)));
  const since = new Date(now.getTime() - days * 86_400_000);

  const series = await queries().analytics.merchantSeries(m, { since, now, periodDays, timeZone: TZ });
  const byDay = new Map(series.daily.map((d) => [d.day, d]));
  const supplyByDay = new Map(series.outstandingChange.map((d) => [d.day, d.net]));
  let running = series.outstandingBefore;
  const outstanding: DailyPoint[] = dayList.map((day) => {
    running += supplyByDay.get(day) ?? 0n;
    return { day, value: running };
  });
  const periods = new Map<number, Set<string>>();
  for (const r of series.activeByPeriod) {
    if (r.period < 0 || r.period > 3) continue;
    if (!periods.has(r.period)) periods.set(r.period, new Set());
    periods.get(r.period)!.add(r.member);
  }
  const current = periods.get(0) ?? new Set<string>();
  const previous = periods.get(1) ?? new Set<string>();
  const both = [...previous].filter((x) => current.has(x)).length;
  const activeMembers = [3, 2, 1, 0].map((p) => ({
    start: dayKey(new Date(now.getTime() - (p + 1) * periodDays * 86_400_000)),
    count: periods.get(p)?.size ?? 0,
  }));
  const settings = await getSettings();
  const tierCounts = new Map(series.tiers.map((t) => [t.tier, t.count]));
  const tierDistribution = Array.from({ length: settings.tierThresholds.length + 1 }, (_, tier) => ({ tier, count: tierCounts.get(tier) ?? 0 }));
  return {
    days: dayList,
    issued: dayList.map((day) => ({ day, value: byDay.get(day)?.issued ?? 0n })),
    redeemed: dayList.map((day) => ({ day, value: byDay.get(day)?.redeemed ?? 0n })),
    outstanding,
    activeMembers,
    periodDays,
    retention: { earlier: previous.size, both },
    tierDistribution,
  };
}
