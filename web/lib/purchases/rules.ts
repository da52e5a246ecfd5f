/**
 * Earning rules: how many points a purchase earns, and why. Pure and in bigint (amounts in euro
 * cents, points whole; every division rounds down, so a member is never promised a point the
 * rules do not give). 1 point is worth 1 euro cent, which is what makes cashback a number of points.
 *
 *   base      = floor(amountCents × pointsPerEuro / 100)
 *   tier      = floor(base × (tierMultiplierBps[tier] − 10000) / 10000)
 *   cashback  = floor(amountCents × cashbackBps / 10000)
 *   campaigns, active at the purchase's time (the merchant's and coalition-wide ones), amount ≥ their minimum:
 *     multiplier → floor(base × (multiplierBps − 10000) / 10000); bonus → bonusPoints
 *
 * The referral bonus is not part of a purchase's points: it goes to the referrer, once, on the
 * member's first purchase in the coalition (see purchases.ts).
 */

export interface EarningRules {
  pointsPerEuro: bigint;
  cashbackBps: bigint;
  /** Index = tier; 10000 = ×1. Tiers past the end earn no tier bonus. */
  tierMultipliersBps: bigint[];
  referralBonusPoints: bigint;
}

/** A merchant that never set its rules: 1 point per euro, nothing else. */
export const DEFAULT_RULES: EarningRules = { pointsPerEuro: 1n, cashbackBps: 0n, tierMultipliersBps: [10_000n], referralBonusPoints: 0n };

/** A campaign as the console creates it. */
export interface NewCampaign {
  name: string;
  kind: "multiplier" | "bonus";
  multiplierBps: bigint | null;
  bonusPoints: bigint | null;
  minAmountCents: bigint;
  startsAt: Date;
  endsAt: Date;
}

export interface CampaignRule extends NewCampaign {
  id: string;
  /** Null: coalition-wide. */
  merchant: string | null;
  cancelledAt: Date | null;
}

export interface BreakdownLine {
  rule: "base" | "tier" | "cashback" | "campaign";
  points: bigint;
  detail: string;
  campaignId?: string;
}

export interface Earned {
  points: bigint;
  breakdown: BreakdownLine[];
}

const BPS = 10_000n;

/** Whether `c` applies at `at` (its window is [startsAt, endsAt), and it was not cancelled by then). */
export function campaignActive(c: CampaignRule, at: Date): boolean {
  if (c.cancelledAt && c.cancelledAt <= at) return false;
  return c.startsAt <= at && at < c.endsAt;
}

const euros = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")} EUR`;
const factor = (bps: bigint) => {
  const whole = bps / BPS;
  const frac = (bps % BPS).toString().padStart(4, "0").replace(/0+$/, "");
  return `×${whole}${frac ? `.${frac}` : ""}`;
};

/** 250 bps → "2.5%". */
export const percent = (bps: bigint) => {
  const frac = (bps % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return `${bps / 100n}${frac ? `.${frac}` : ""}%`;
};

export function computePoints(input: { amountCents: bigint; tier: number; rules: EarningRules; campaigns: readonly CampaignRule[]; at: Date }): Earned {
  const { amountCents, tier, rules, campaigns, at } = input;
  if (amountCents <= 0n) throw new RangeError("amountCents must be positive");
  const breakdown: BreakdownLine[] = [];
  const base = (amountCents * rules.pointsPerEuro) / 100n;
  breakdown.push({ rule: "base", points: base, detail: `${euros(amountCents)} at ${rules.pointsPerEuro} point(s) per euro` });

  const tierBps = rules.tierMultipliersBps[tier] ?? BPS;
  if (tierBps > BPS) {
    breakdown.push({ rule: "tier", points: (base * (tierBps - BPS)) / BPS, detail: `tier ${tier}: ${factor(tierBps)} the base` });
  }
  if (rules.cashbackBps > 0n) {
    breakdown.push({ rule: "cashback", points: (amountCents * rules.cashbackBps) / BPS, detail: `${percent(rules.cashbackBps)} cashback` });
  }
  for (const c of campaigns) {
    if (!campaignActive(c, at) || amountCents < c.minAmountCents) continue;
    if (c.kind === "multiplier" && c.multiplierBps !== null && c.multiplierBps > BPS) {
      breakdown.push({ rule: "campaign", campaignId: c.id, points: (base * (c.multiplierBps - BPS)) / BPS, detail: `${c.name}: ${factor(c.multiplierBps)} the base` });
    } else if (c.kind === "bonus" && c.bonusPoints !== null && c.bonusPoints > 0n) {
      breakdown.push({ rule: "campaign", campaignId: c.id, points: c.bonusPoints, detail: `${c.name}: bonus${c.minAmountCents > 0n ? ` from ${euros(c.minAmountCents)}` : ""}` });
    }
  }
  return { points: breakdown.reduce((sum, l) => sum + l.points, 0n), breakdown };
}

// ------------------------------------------------------------------ validation (console and API)

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

export const LIMITS = {
  pointsPerEuro: 1_000n,
  maxTiers: 8,
  maxMultiplierBps: 100_000n,
  referralBonusPoints: 1_000_000n,
  bonusPoints: 1_000_000n,
  campaignName: 80,
  campaignDays: 366,
} as const;

/** A whole number from a JSON integer or a decimal string (never through a float). */
export function wholeNumber(v: unknown): bigint | null {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === "string" && /^-?\d{1,30}$/.test(v.trim())) return BigInt(v.trim());
  return null;
}

function inRange(field: string, v: unknown, min: bigint, max: bigint): Checked<bigint> {
  const n = wholeNumber(v);
  if (n === null) return { ok: false, field, message: `${field} must be a whole number` };
  if (n < min || n > max) return { ok: false, field, message: `${field} must be between ${min} and ${max}` };
  return { ok: true, value: n };
}

export function checkRules(input: unknown): Checked<EarningRules> {
  const o = (input ?? {}) as Record<string, unknown>;
  const ppe = inRange("pointsPerEuro", o.pointsPerEuro, 0n, LIMITS.pointsPerEuro);
  if (!ppe.ok) return ppe;
  const cb = inRange("cashbackBps", o.cashbackBps, 0n, BPS);
  if (!cb.ok) return cb;
  const ref = inRange("referralBonusPoints", o.referralBonusPoints, 0n, LIMITS.referralBonusPoints);
  if (!ref.ok) return ref;
  if (!Array.isArray(o.tierMultipliersBps) || o.tierMultipliersBps.length < 1 || o.tierMultipliersBps.length > LIMITS.maxTiers) {
    return { ok: false, field: "tierMultipliersBps", message: `tierMultipliersBps must list 1 to ${LIMITS.maxTiers} multipliers` };
  }
  const tiers: bigint[] = [];
  for (const v of o.tierMultipliersBps) {
    const m = inRange("tierMultipliersBps", v, BPS, LIMITS.maxMultiplierBps);
    if (!m.ok) return m;
    tiers.push(m.value);
  }
  return { ok: true, value: { pointsPerEuro: ppe.value, cashbackBps: cb.value, tierMultipliersBps: tiers, referralBonusPoints: ref.value } };
}

export function checkCampaign(input: unknown, now = new Date()): Checked<NewCampaign> {
  const o = (input ?? {}) as Record<string, unknown>;
  const name = typeof o.name === "string" ? o.name.trim() : "";
  if (!name || name.length > LIMITS.campaignName) return { ok: false, field: "name", message: `name must be 1 to ${LIMITS.campaignName} characters` };
  if (o.kind !== "multiplier" && o.kind !== "bonus") return { ok: false, field: "kind", message: "kind must be multiplier or bonus" };
  let multiplierBps: bigint | null = null;
  let bonusPoints: bigint | null = null;
  if (o.kind === "multiplier") {
    const m = inRange("multiplierBps", o.multiplierBps, BPS + 1n, LIMITS.maxMultiplierBps);
    if (!m.ok) return m;
    multiplierBps = m.value;
  } else {
    const b = inRange("bonusPoints", o.bonusPoints, 1n, LIMITS.bonusPoints);
    if (!b.ok) return b;
    bonusPoints = b.value;
  }
  const min = inRange("minAmountCents", o.minAmountCents ?? 0, 0n, 10n ** 12n);
  if (!min.ok) return min;
  const startsAt = new Date(typeof o.startsAt === "string" ? o.startsAt : NaN);
  const endsAt = new Date(typeof o.endsAt === "string" ? o.endsAt : NaN);
  if (Number.isNaN(startsAt.getTime())) return { ok: false, field: "startsAt", message: "startsAt must be a date" };
  if (Number.isNaN(endsAt.getTime())) return { ok: false, field: "endsAt", message: "endsAt must be a date" };
  if (endsAt <= startsAt) return { ok: false, field: "endsAt", message: "endsAt must be after startsAt" };
  if (endsAt <= now) return { ok: false, field: "endsAt", message: "endsAt must be in the future" };
  if (endsAt.getTime() - startsAt.getTime() > LIMITS.campaignDays * 86_400_000) return { ok: false, field: "endsAt", message: `a campaign lasts at most ${LIMITS.campaignDays} days` };
  return { ok: true, value: { name, kind: o.kind, multiplierBps, bonusPoints, minAmountCents: min.value, startsAt, endsAt } };
}

/** "2.5" with 2 decimals → 250n (a percentage into basis points, a factor "1.25" with 4 → 12500n); null if not such a number. */
export function parseScaled(text: string, decimals: number): bigint | null {
  const m = /^(\d{1,12})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m || (m[2] && m[2].length > decimals)) return null;
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((m[2] ?? "").padEnd(decimals, "0") || "0");
}

/** 12500n with 4 decimals → "1.25" (the inverse of parseScaled, for form values). */
export function formatScaled(value: bigint, decimals: number): string {
  const unit = 10n ** BigInt(decimals);
  const frac = (value % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${value / unit}${frac ? `.${frac}` : ""}`;
}
