/** Aggregates over the history for the merchants' and the operator's dashboards. */
import type { PointEventKind } from "../../contracts/spec/index.ts";
import { norm, type MirrorDb } from "./db.ts";

export interface MerchantDayTotal {
  merchant: string;
  day: Date;
  issued: bigint;
  issuances: number;
  clawedBack: bigint;
}

export interface DayTotal {
  day: Date;
  kind: PointEventKind;
  amount: bigint;
  count: number;
}

/** Raw series of one merchant's dashboard, days keyed `YYYY-MM-DD` in `timeZone`. */
export interface MerchantSeries {
  /** Per day since `since`: points the merchant issued, and points redeemed on its rewards. */
  daily: { day: string; issued: bigint; redeemed: bigint }[];
  /** Points outstanding (issued minus redeemed, expired, clawed back) before `since`, programme-wide. */
  outstandingBefore: bigint;
  /** Per day since `since`: the change of points outstanding, programme-wide. */
  outstandingChange: { day: string; net: bigint }[];
  /** Members active (earned, spent, gave or received points) in each of the last four periods (0 = the latest). */
  activeByPeriod: { period: number; member: string }[];
  /** Members (not merchants) per tier, among those who ever earned. */
  tiers: { tier: number; count: number }[];
}

const FAR_FUTURE = new Date("9999-12-31T00:00:00Z");

export function analyticsQueries({ prisma }: MirrorDb) {
  return {
    /** Points issued and clawed back per merchant and UTC day (optionally one merchant, a time window). */
    async merchantDailyTotals(options: { merchant?: string; from?: Date; to?: Date } = {}): Promise<MerchantDayTotal[]> {
      const merchant = options.merchant ? norm(options.merchant) : null;
      const rows = await prisma.$queryRaw<{ merchant: string; day: Date; issued: string; issuances: number; clawed: string }[]>`
        SELECT merchant, date_trunc('day', timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
          COALESCE(sum(amount) FILTER (WHERE kind = 'issuance'), 0)::text AS issued,
          (count(*) FILTER (WHERE kind = 'issuance'))::int AS issuances,
          COALESCE(sum(amount) FILTER (WHERE kind = 'clawback'), 0)::text AS clawed
        FROM point_events
        WHERE merchant IS NOT NULL AND (${merchant}::text IS NULL OR merchant = ${merchant}) AND timestamp >= ${options.from ?? new Date(0)} AND timestamp < ${options.to ?? FAR_FUTURE}
        GROUP BY 1, 2 ORDER BY 2 DESC, 1`;
      return rows.map((r) => ({ merchant: r.merchant, day: r.day, issued: BigInt(r.issued), issuances: r.issuances, clawedBack: BigInt(r.clawed) }));
    },

    /** Amount and count of each kind of points event per UTC day. */
    async dailyTotals(options: { from?: Date; to?: Date } = {}): Promise<DayTotal[]> {
      const rows = await prisma.$queryRaw<{ day: Date; kind: PointEventKind; amount: string; count: number }[]>`
        SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, kind::text AS kind, sum(amount)::text AS amount, count(*)::int AS count
        FROM point_events WHERE timestamp >= ${options.from ?? new Date(0)} AND timestamp < ${options.to ?? FAR_FUTURE} GROUP BY 1, 2 ORDER BY 1 DESC, 2`;
      return rows.map((r) => ({ day: r.day, kind: r.kind, amount: BigInt(r.amount), count: r.count }));
    },

    async merchantSeries(merchant: string, o: { since: Date; now: Date; periodDays: number; timeZone: string }): Promise<MerchantSeries> {
      const m = norm(merchant);
      const { since, now, periodDays, timeZone } = o;
      const [daily, baseline, perDay, active, tiers] = await Promise.all([
        prisma.$queryRaw<{ day: string; issued: string; redeemed: string }[]>`
          SELECT to_char(e.timestamp AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS day,
                 COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'issuance' AND e.merchant = ${m}), 0)::text AS issued,
                 COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'redemption' AND r.merchant = ${m}), 0)::text AS redeemed
          FROM point_events e LEFT JOIN rewards r ON e.kind = 'redemption' AND r.id = e.reward_id
          WHERE e.timestamp >= ${since} AND e.kind IN ('issuance', 'redemption')
          GROUP BY 1`,
        prisma.$queryRaw<{ net: string }[]>`
          SELECT COALESCE(SUM(CASE WHEN kind = 'issuance' THEN amount WHEN kind IN ('redemption', 'expiry', 'clawback') THEN -amount ELSE 0 END), 0)::text AS net
          FROM point_events WHERE timestamp < ${since}`,
        prisma.$queryRaw<{ day: string; net: string }[]>`
          SELECT to_char(timestamp AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS day,
                 SUM(CASE WHEN kind = 'issuance' THEN amount WHEN kind IN ('redemption', 'expiry', 'clawback') THEN -amount ELSE 0 END)::text AS net
          FROM point_events WHERE timestamp >= ${since} GROUP BY 1`,
        prisma.$queryRaw<{ period: number; member: string }[]>`
          SELECT DISTINCT FLOOR(EXTRACT(EPOCH FROM (${now}::timestamptz - timestamp)) / ${periodDays * 86_400}::int)::int AS period, member FROM (
            SELECT timestamp, to_address AS member FROM point_events WHERE kind IN ('issuance', 'transfer') AND to_address IS NOT NULL AND timestamp > ${now}::timestamptz - (${periodDays * 4}::int * interval '1 day')
            UNION ALL
            SELECT timestamp, from_address FROM point_events WHERE kind IN ('transfer', 'redemption', 'donation') AND from_address IS NOT NULL AND timestamp > ${now}::timestamptz - (${periodDays * 4}::int * interval '1 day')
          ) x WHERE member NOT IN (SELECT address FROM merchants) AND member NOT IN (SELECT address FROM charities)`,
        prisma.$queryRaw<{ tier: number; n: bigint }[]>`
          SELECT tier, COUNT(*) AS n FROM accounts a WHERE a.lifetime_earned > 0
            AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.address = a.address) GROUP BY tier ORDER BY tier`,
      ]);
      return {
        daily: daily.map((d) => ({ day: d.day, issued: BigInt(d.issued), redeemed: BigInt(d.redeemed) })),
        outstandingBefore: BigInt(baseline[0]?.net ?? "0"),
        outstandingChange: perDay.map((d) => ({ day: d.day, net: BigInt(d.net) })),
        activeByPeriod: active,
        tiers: tiers.map((t) => ({ tier: t.tier, count: Number(t.n) })),
      };
    },
  };
}
