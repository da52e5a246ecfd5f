/**
 * The data access of every page, on the indexer's Postgres mirror through its Prisma schema.
 * Raw SQL only where Prisma's query builder cannot express the query efficiently (unions on the
 * history indexes, aggregates); numerics are cast to text and parsed as bigint, never as floats.
 */
import "server-only";
import { db, queries } from "./db.ts";
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

const big = (v: { toFixed(): string } | string | bigint | number | null | undefined): bigint =>
  v === null || v === undefined ? 0n : typeof v === "bigint" ? v : BigInt(typeof v === "string" ? v : typeof v === "number" ? v : v.toFixed());

const lower = (address: string) => address.toLowerCase();

// ---------------------------------------------------------------- program

export async function getMirrorStatus(): Promise<MirrorStatus | null> {
  const rows = await db().$queryRaw<{ chain_id: number; cursor_number: bigint; finalized_number: bigint; ts: Date | null }[]>`
    SELECT s.chain_id, s.cursor_number, s.finalized_number,
           (SELECT timestamp FROM blocks WHERE number <= s.cursor_number ORDER BY number DESC LIMIT 1) AS ts
    FROM indexer_state s WHERE s.id = 1`;
  const r = rows[0];
  if (!r) return null;
  return { chainId: r.chain_id, cursorNumber: big(r.cursor_number), finalizedNumber: big(r.finalized_number), latestTimestamp: r.ts };
}

export async function getSettings(): Promise<ProgramSettingsView> {
  const s = await db().programSettings.findUnique({ where: { id: 1 } });
  return {
    tierThresholds: (s?.tierThresholds ?? []).map(big),
    inactivityPeriod: s ? big(s.inactivityPeriod) : 0n,
    paused: s?.paused ?? false,
  };
}

export async function getMerchants(): Promise<MerchantView[]> {
  const rows = await db().merchant.findMany({ orderBy: { onboardedAt: "asc" } });
  return rows.map((m) => ({ address: m.address, name: m.name, allowance: big(m.allowance), active: m.active }));
}

export async function getCharities() {
  const rows = await db().charity.findMany({ where: { active: true }, orderBy: { name: "asc" } });
  return rows.map((c) => ({ address: c.address, name: c.name }));
}

export async function getProgramStats(): Promise<ProgramStats> {
  const [totals, merchants, charities, settings, status] = await Promise.all([
    db().$queryRaw<{ supply: string; members: bigint; redeemed: bigint }[]>`
      SELECT (SELECT COALESCE(SUM(balance), 0)::text FROM accounts) AS supply,
             (SELECT COUNT(*) FROM accounts a WHERE (a.lifetime_earned > 0 OR a.balance > 0)
                AND NOT EXISTS (SELECT 1 FROM charities c WHERE c.address = a.address)
                AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.address = a.address)) AS members,
             (SELECT COUNT(*) FROM point_events WHERE kind = 'redemption') AS redeemed`,
    getMerchants(),
    getCharities(),
    getSettings(),
    getMirrorStatus(),
  ]);
  const t = totals[0];
  return {
    pointsInCirculation: big(t?.supply ?? "0"),
    members: Number(t?.members ?? 0n),
    rewardsRedeemed: Number(t?.redeemed ?? 0n),
    merchants,
    charities,
    settings,
    status,
  };
}

export async function getCatalog(options: { merchant?: string } = {}): Promise<CatalogReward[]> {
  const [rows, merchants] = await Promise.all([
    queries().getRewards(),
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
  const [account, settings] = await Promise.all([queries().getAccount(address), getSettings()]);
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
    queries().getTokensOf(address),
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

type HistorySqlRow = {
  block_number: bigint;
  log_index: number;
  tx_hash: string;
  timestamp: Date;
  kind: PointEventKind;
  from_address: string | null;
  to_address: string | null;
  amount: string;
  merchant: string | null;
  reward_id: string | null;
};

/** `address`'s history, newest first, `pageSize` rows per page; `cursor` is the page number ("0" newest). */
export async function getHistory(address: string, cursor?: string | null, pageSize = 20): Promise<HistoryPage> {
  const a = lower(address);
  const page = cursor && /^\d{1,6}$/.test(cursor) ? Number(cursor) : 0;
  const items = await queries().getHistory(a, page, pageSize);
  const [merchants, charities, rewardNames] = await Promise.all([
    getMerchants(),
    getCharities(),
    (async () => {
      const ids = [...new Set(items.filter((r) => r.rewardId !== null).map((r) => r.rewardId!))];
      if (ids.length === 0) return new Map<bigint, string>();
      const rewards = await db().reward.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
      return new Map(rewards.map((r) => [r.id, r.name]));
    })(),
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

/** Net change of each account after `block` (to take current mirror balances back to `block`). */
async function changesAfter(block: bigint): Promise<Map<string, bigint>> {
  const rows = await db().$queryRaw<{ address: string; delta: string }[]>`
    SELECT address, SUM(delta)::text AS delta FROM (
      SELECT to_address AS address, amount AS delta FROM point_events WHERE block_number > ${block} AND to_address IS NOT NULL
      UNION ALL
      SELECT from_address, -amount FROM point_events WHERE block_number > ${block} AND from_address IS NOT NULL
    ) x GROUP BY address`;
  return new Map(rows.map((r) => [r.address, BigInt(r.delta)]));
}

export async function getAuditSnapshot(block: bigint): Promise<AuditSnapshot> {
  const [totals, after] = await Promise.all([
    db().$queryRaw<{ n: bigint; total: string }[]>`SELECT COUNT(*) AS n, COALESCE(SUM(balance), 0)::text AS total FROM accounts`,
    changesAfter(block),
  ]);
  let mirrorTotal = BigInt(totals[0]?.total ?? "0");
  for (const d of after.values()) mirrorTotal -= d;
  return { block, accounts: Number(totals[0]?.n ?? 0n), mirrorTotal };
}

/**
 * Mirror balances at `block`, ordered by balance (largest first) then address, `offset`/`limit`
 * paged; all of them when `limit` is undefined.
 */
export async function getAuditRows(block: bigint, options: { offset?: number; limit?: number; addresses?: string[] } = {}): Promise<AuditRow[]> {
  const after = await changesAfter(block);
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 1_000_000_000;
  const rows = options.addresses
    ? await db().$queryRaw<{ address: string; balance: string }[]>`
        SELECT address, balance::text AS balance FROM accounts WHERE address = ANY(${options.addresses.map(lower)}) ORDER BY balance DESC, address`
    : await db().$queryRaw<{ address: string; balance: string }[]>`
        SELECT address, balance::text AS balance FROM accounts ORDER BY balance DESC, address OFFSET ${offset} LIMIT ${limit}`;
  return rows.map((r) => ({ address: r.address, mirrorBalance: BigInt(r.balance) - (after.get(r.address) ?? 0n) }));
}

export async function getAccountTrail(address: string, limit = 500): Promise<TrailRow[]> {
  const a = lower(address);
  const rows = await db().$queryRaw<HistorySqlRow[]>`
    SELECT block_number, log_index, tx_hash, timestamp, kind, from_address, to_address, amount::text AS amount, merchant, reward_id::text AS reward_id
    FROM point_events WHERE from_address = ${a} OR to_address = ${a}
    ORDER BY block_number DESC, log_index DESC LIMIT ${limit}`;
  return rows.map((r) => ({
    txHash: r.tx_hash,
    blockNumber: big(r.block_number),
    logIndex: r.log_index,
    timestamp: r.timestamp,
    kind: r.kind,
    from: r.from_address,
    to: r.to_address,
    amount: BigInt(r.amount),
    merchant: r.merchant,
    rewardId: r.reward_id === null ? null : BigInt(r.reward_id),
  }));
}

export async function isIndexed(block: bigint): Promise<{ indexed: boolean; cursor: bigint | null }> {
  const s = await db().indexerState.findUnique({ where: { id: 1 }, select: { cursorNumber: true } });
  return { indexed: s !== null && s.cursorNumber >= block, cursor: s?.cursorNumber ?? null };
}

/** Mirror rows of one transaction (for the transaction view's "indexed" status). */
export async function getTxEvents(txHash: string) {
  const n = await db().pointEvent.count({ where: { txHash: lower(txHash) } });
  const p = await db().programEvent.count({ where: { txHash: lower(txHash) } });
  return n + p;
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

  const [daily, baseline, perDaySupply, active, tiers] = await Promise.all([
    db().$queryRaw<{ day: string; issued: string; redeemed: string }[]>`
      SELECT to_char(e.timestamp AT TIME ZONE ${TZ}, 'YYYY-MM-DD') AS day,
             COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'issuance' AND e.merchant = ${m}), 0)::text AS issued,
             COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'redemption' AND r.merchant = ${m}), 0)::text AS redeemed
      FROM point_events e LEFT JOIN rewards r ON e.kind = 'redemption' AND r.id = e.reward_id
      WHERE e.timestamp >= ${since} AND e.kind IN ('issuance', 'redemption')
      GROUP BY 1`,
    db().$queryRaw<{ net: string }[]>`
      SELECT COALESCE(SUM(CASE WHEN kind = 'issuance' THEN amount WHEN kind IN ('redemption', 'expiry', 'clawback') THEN -amount ELSE 0 END), 0)::text AS net
      FROM point_events WHERE timestamp < ${since}`,
    db().$queryRaw<{ day: string; net: string }[]>`
      SELECT to_char(timestamp AT TIME ZONE ${TZ}, 'YYYY-MM-DD') AS day,
             SUM(CASE WHEN kind = 'issuance' THEN amount WHEN kind IN ('redemption', 'expiry', 'clawback') THEN -amount ELSE 0 END)::text AS net
      FROM point_events WHERE timestamp >= ${since} GROUP BY 1`,
    // Members active (earned, spent, gave or received points) per period, the last four periods.
    db().$queryRaw<{ period: number; member: string }[]>`
      SELECT DISTINCT FLOOR(EXTRACT(EPOCH FROM (${now}::timestamptz - timestamp)) / ${periodDays * 86_400}::int)::int AS period, member FROM (
        SELECT timestamp, to_address AS member FROM point_events WHERE kind IN ('issuance', 'transfer') AND to_address IS NOT NULL AND timestamp > ${now}::timestamptz - (${periodDays * 4}::int * interval '1 day')
        UNION ALL
        SELECT timestamp, from_address FROM point_events WHERE kind IN ('transfer', 'redemption', 'donation') AND from_address IS NOT NULL AND timestamp > ${now}::timestamptz - (${periodDays * 4}::int * interval '1 day')
      ) x WHERE member NOT IN (SELECT address FROM merchants) AND member NOT IN (SELECT address FROM charities)`,
    db().$queryRaw<{ tier: number; n: bigint }[]>`
      SELECT tier, COUNT(*) AS n FROM accounts a WHERE a.lifetime_earned > 0
        AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.address = a.address) GROUP BY tier ORDER BY tier`,
  ]);
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const supplyByDay = new Map(perDaySupply.map((d) => [d.day, BigInt(d.net)]));
  let running = BigInt(baseline[0]?.net ?? "0");
  const outstanding: DailyPoint[] = dayList.map((day) => {
    running += supplyByDay.get(day) ?? 0n;
    return { day, value: running };
  });
  const periods = new Map<number, Set<string>>();
  for (const r of active) {
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
  const tierCounts = new Map(tiers.map((t) => [t.tier, Number(t.n)]));
  const tierDistribution = Array.from({ length: settings.tierThresholds.length + 1 }, (_, tier) => ({ tier, count: tierCounts.get(tier) ?? 0 }));
  return {
    days: dayList,
    issued: dayList.map((day) => ({ day, value: BigInt(byDay.get(day)?.issued ?? "0") })),
    redeemed: dayList.map((day) => ({ day, value: BigInt(byDay.get(day)?.redeemed ?? "0") })),
    outstanding,
    activeMembers,
    periodDays,
    retention: { earlier: previous.size, both },
    tierDistribution,
  };
}
