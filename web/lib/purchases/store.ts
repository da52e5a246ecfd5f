/** Earning rules and campaigns in Postgres (earning_rules, campaigns). Addresses stored lowercase. */
import { getAddress, type Address } from "viem";
import type { Queryable } from "../relayer/db.ts";
import { DEFAULT_RULES, type CampaignRule, type EarningRules, type NewCampaign } from "./rules.ts";

interface RuleRow {
  merchant: string;
  points_per_euro: number;
  cashback_bps: number;
  tier_multipliers_bps: number[];
  referral_bonus_points: string;
  updated_at: Date;
}

const toRules = (r: RuleRow): EarningRules => ({
  pointsPerEuro: BigInt(r.points_per_euro),
  cashbackBps: BigInt(r.cashback_bps),
  tierMultipliersBps: r.tier_multipliers_bps.map(BigInt),
  referralBonusPoints: BigInt(r.referral_bonus_points),
});

/** The merchant's rules, or the defaults when it never set any. */
export async function getRules(db: Queryable, merchant: Address): Promise<EarningRules & { custom: boolean }> {
  const { rows } = await db.query<RuleRow>(`SELECT * FROM earning_rules WHERE merchant = $1`, [merchant.toLowerCase()]);
  return rows[0] ? { ...toRules(rows[0]), custom: true } : { ...DEFAULT_RULES, custom: false };
}

export async function allRules(db: Queryable): Promise<Map<string, EarningRules>> {
  const { rows } = await db.query<RuleRow>(`SELECT * FROM earning_rules`);
  return new Map(rows.map((r) => [r.merchant, toRules(r)]));
}

export async function setRules(db: Queryable, merchant: Address, rules: EarningRules): Promise<void> {
  await db.query(
    `INSERT INTO earning_rules (merchant, points_per_euro, cashback_bps, tier_multipliers_bps, referral_bonus_points, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (merchant) DO UPDATE SET points_per_euro = $2, cashback_bps = $3, tier_multipliers_bps = $4, referral_bonus_points = $5, updated_at = now()`,
    [merchant.toLowerCase(), Number(rules.pointsPerEuro), Number(rules.cashbackBps), rules.tierMultipliersBps.map(Number), rules.referralBonusPoints.toString()],
  );
}

interface CampaignRow {
  id: string;
  merchant: string | null;
  name: string;
  kind: "multiplier" | "bonus";
  multiplier_bps: number | null;
  bonus_points: string | null;
  min_amount_cents: string;
  starts_at: Date;
  ends_at: Date;
  cancelled_at: Date | null;
}

const toCampaign = (r: CampaignRow): CampaignRule => ({
  id: r.id,
  name: r.name,
  merchant: r.merchant ? getAddress(r.merchant) : null,
  kind: r.kind,
  multiplierBps: r.multiplier_bps === null ? null : BigInt(r.multiplier_bps),
  bonusPoints: r.bonus_points === null ? null : BigInt(r.bonus_points),
  minAmountCents: BigInt(r.min_amount_cents),
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  cancelledAt: r.cancelled_at,
});

/** Campaigns that apply to `merchant`'s purchases at `at`: its own and the coalition-wide ones. */
export async function activeCampaigns(db: Queryable, merchant: Address, at: Date): Promise<CampaignRule[]> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT * FROM campaigns WHERE (merchant = $1 OR merchant IS NULL) AND starts_at <= $2 AND ends_at > $2 AND (cancelled_at IS NULL OR cancelled_at > $2)
     ORDER BY merchant NULLS FIRST, created_at`,
    [merchant.toLowerCase(), at],
  );
  return rows.map(toCampaign);
}

/** Campaigns not yet over (for the console and the home page); `merchant` undefined: all of them. */
export async function currentCampaigns(db: Queryable, merchant?: Address): Promise<CampaignRule[]> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT * FROM campaigns WHERE ends_at > now() AND cancelled_at IS NULL ${merchant ? "AND (merchant = $1 OR merchant IS NULL)" : ""} ORDER BY starts_at, created_at LIMIT 200`,
    merchant ? [merchant.toLowerCase()] : [],
  );
  return rows.map(toCampaign);
}

/** `merchant` null: coalition-wide (the caller checked that the operator asks). */
export async function createCampaign(db: Queryable, merchant: Address | null, c: NewCampaign): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO campaigns (merchant, name, kind, multiplier_bps, bonus_points, min_amount_cents, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [merchant?.toLowerCase() ?? null, c.name, c.kind, c.multiplierBps === null ? null : Number(c.multiplierBps), c.bonusPoints?.toString() ?? null, c.minAmountCents.toString(), c.startsAt, c.endsAt],
  );
  return rows[0]!.id;
}

/** Cancels `id` if `merchant` owns it (null: a coalition-wide one, the operator's). */
export async function cancelCampaign(db: Queryable, merchant: Address | null, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const { rowCount } = await db.query(
    `UPDATE campaigns SET cancelled_at = now() WHERE id = $1 AND cancelled_at IS NULL AND ${merchant ? "merchant = $2" : "merchant IS NULL"}`,
    merchant ? [id, merchant.toLowerCase()] : [id],
  );
  return (rowCount ?? 0) > 0;
}
