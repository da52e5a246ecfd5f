import { describe, expect, it } from "vitest";
import { campaignActive, checkCampaign, checkRules, computePoints, DEFAULT_RULES, formatScaled, parseScaled, percent, type CampaignRule, type EarningRules } from "./rules.ts";

const at = new Date("2026-11-23T12:00:00Z");
const rules: EarningRules = { pointsPerEuro: 3n, cashbackBps: 250n, tierMultipliersBps: [10_000n, 11_000n, 12_500n], referralBonusPoints: 100n };
const campaign = (over: Partial<CampaignRule> = {}): CampaignRule => ({
  id: "c1",
  name: "Black Friday",
  merchant: null,
  kind: "multiplier",
  multiplierBps: 20_000n,
  bonusPoints: null,
  minAmountCents: 0n,
  startsAt: new Date("2026-11-20T00:00:00Z"),
  endsAt: new Date("2026-11-30T00:00:00Z"),
  cancelledAt: null,
  ...over,
});

describe("earning rules", () => {
  it("defaults to one point per whole euro, cents rounded down", () => {
    expect(computePoints({ amountCents: 1_999n, tier: 0, rules: DEFAULT_RULES, campaigns: [], at })).toEqual({
      points: 19n,
      breakdown: [{ rule: "base", points: 19n, detail: "19.99 EUR at 1 point(s) per euro" }],
    });
    expect(computePoints({ amountCents: 99n, tier: 3, rules: DEFAULT_RULES, campaigns: [], at }).points).toBe(0n);
  });

  it("adds the tier bonus on the base, and cashback on the amount (1 point = 1 cent)", () => {
    // base floor(12345*3/100) = 370; tier 2: floor(370*2500/10000) = 92; cashback floor(12345*250/10000) = 308
    const r = computePoints({ amountCents: 12_345n, tier: 2, rules, campaigns: [], at });
    expect(r.breakdown.map((l) => [l.rule, l.points])).toEqual([["base", 370n], ["tier", 92n], ["cashback", 308n]]);
    expect(r.points).toBe(770n);
    expect(r.breakdown[1]!.detail).toBe("tier 2: ×1.25 the base");
    expect(r.breakdown[2]!.detail).toBe("2.5% cashback");
    // A tier without a multiplier (past the list) earns no tier bonus.
    expect(computePoints({ amountCents: 12_345n, tier: 3, rules, campaigns: [], at }).breakdown.map((l) => l.rule)).toEqual(["base", "cashback"]);
    expect(computePoints({ amountCents: 12_345n, tier: 0, rules, campaigns: [], at }).points).toBe(370n + 308n);
  });

  it("applies active campaigns only: window, cancellation, minimum amount", () => {
    const bonus = campaign({ id: "c2", name: "Big basket", kind: "bonus", multiplierBps: null, bonusPoints: 50n, minAmountCents: 5_000n });
    const r = computePoints({ amountCents: 10_000n, tier: 0, rules: DEFAULT_RULES, campaigns: [campaign(), bonus], at });
    expect(r.breakdown).toEqual([
      { rule: "base", points: 100n, detail: "100.00 EUR at 1 point(s) per euro" },
      { rule: "campaign", campaignId: "c1", points: 100n, detail: "Black Friday: ×2 the base" },
      { rule: "campaign", campaignId: "c2", points: 50n, detail: "Big basket: bonus from 50.00 EUR" },
    ]);
    expect(r.points).toBe(250n);
    // Below the bonus's minimum.
    expect(computePoints({ amountCents: 4_999n, tier: 0, rules: DEFAULT_RULES, campaigns: [bonus], at }).points).toBe(49n);
    // Not started, ended (the end is exclusive), cancelled before the purchase.
    for (const c of [
      campaign({ startsAt: new Date("2026-11-24T00:00:00Z") }),
      campaign({ endsAt: at }),
      campaign({ cancelledAt: new Date("2026-11-23T11:00:00Z") }),
    ]) {
      expect(computePoints({ amountCents: 10_000n, tier: 0, rules: DEFAULT_RULES, campaigns: [c], at }).points).toBe(100n);
    }
    expect(campaignActive(campaign({ cancelledAt: new Date("2026-11-23T13:00:00Z") }), at)).toBe(true);
  });

  it("rounds every share down and stays exact on huge amounts", () => {
    const big = 10n ** 12n - 1n;
    const r = computePoints({ amountCents: big, tier: 1, rules, campaigns: [campaign({ multiplierBps: 10_001n })], at });
    const base = (big * 3n) / 100n;
    expect(r.breakdown.map((l) => l.points)).toEqual([base, (base * 1_000n) / 10_000n, (big * 250n) / 10_000n, base / 10_000n]);
    expect(() => computePoints({ amountCents: 0n, tier: 0, rules, campaigns: [], at })).toThrow(RangeError);
  });

  it("checks rules and campaigns from a form or JSON", () => {
    expect(checkRules({ pointsPerEuro: "3", cashbackBps: 250, tierMultipliersBps: [10_000, "12500"], referralBonusPoints: 0 })).toEqual({
      ok: true,
      value: { pointsPerEuro: 3n, cashbackBps: 250n, tierMultipliersBps: [10_000n, 12_500n], referralBonusPoints: 0n },
    });
    expect(checkRules({ ...rules, pointsPerEuro: 1.5 })).toMatchObject({ ok: false, field: "pointsPerEuro" });
    expect(checkRules({ ...rules, cashbackBps: 10_001 })).toMatchObject({ ok: false, field: "cashbackBps" });
    expect(checkRules({ ...rules, tierMultipliersBps: [9_000] })).toMatchObject({ ok: false, field: "tierMultipliersBps" });
    expect(checkRules({ ...rules, tierMultipliersBps: [] })).toMatchObject({ ok: false, field: "tierMultipliersBps" });
    expect(checkRules({ ...rules, referralBonusPoints: -1 })).toMatchObject({ ok: false, field: "referralBonusPoints" });

    const now = new Date("2026-11-23T00:00:00Z");
    const ok = { name: " Double ", kind: "multiplier", multiplierBps: 20_000, startsAt: "2026-11-23T00:00:00Z", endsAt: "2026-11-30T00:00:00Z" };
    expect(checkCampaign(ok, now)).toMatchObject({ ok: true, value: { name: "Double", multiplierBps: 20_000n, bonusPoints: null, minAmountCents: 0n } });
    expect(checkCampaign({ ...ok, multiplierBps: 10_000 }, now)).toMatchObject({ ok: false, field: "multiplierBps" });
    expect(checkCampaign({ ...ok, kind: "bonus" }, now)).toMatchObject({ ok: false, field: "bonusPoints" });
    expect(checkCampaign({ ...ok, kind: "bonus", bonusPoints: "40" }, now)).toMatchObject({ ok: true, value: { bonusPoints: 40n, multiplierBps: null } });
    expect(checkCampaign({ ...ok, endsAt: "2026-11-22T00:00:00Z" }, now)).toMatchObject({ ok: false, field: "endsAt" });
    expect(checkCampaign({ ...ok, startsAt: "2020-01-01T00:00:00Z", endsAt: "2026-11-24T00:00:00Z" }, now)).toMatchObject({ ok: false, field: "endsAt" });
    expect(checkCampaign({ ...ok, name: "" }, now)).toMatchObject({ ok: false, field: "name" });
    expect(checkCampaign({ ...ok, kind: "free" }, now)).toMatchObject({ ok: false, field: "kind" });
    expect(percent(250n)).toBe("2.5%");
    expect(percent(1_000n)).toBe("10%");
    expect([parseScaled("2.5", 2), parseScaled("2,55", 2), parseScaled("3", 2), parseScaled("1.25", 4)]).toEqual([250n, 255n, 300n, 12_500n]);
    expect([parseScaled("2.555", 2), parseScaled("-1", 2), parseScaled("1e3", 2), parseScaled("", 2)]).toEqual([null, null, null, null]);
    expect([formatScaled(12_500n, 4), formatScaled(10_000n, 4), formatScaled(250n, 2)]).toEqual(["1.25", "1", "2.5"]);
  });
});
