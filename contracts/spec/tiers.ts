/**
 * The tier rule of LoyaltyPoints.tierOf: a member's tier is how many thresholds its lifetime
 * earned points reach (tier 0 is the base tier). The contract keeps thresholds positive and
 * strictly ascending (setTierThresholds), so "the first thresholds reached" and "all thresholds
 * reached" are the same count; the SQL below counts, the function walks as the contract does.
 */

/** The tier of `lifetimeEarned` under `thresholds` (as LoyaltyPoints.tierOf). */
export function tierFor(lifetimeEarned: bigint, thresholds: readonly bigint[]): number {
  let tier = 0;
  while (tier < thresholds.length && lifetimeEarned >= thresholds[tier]) tier++;
  return tier;
}

/**
 * SQL computing the same tier as an `int`: `lifetimeExpr` is a numeric expression (a column,
 * `accounts.lifetime_earned + EXCLUDED.lifetime_earned`…), `thresholdsExpr` a numeric[] one (a
 * parameter `$1::numeric[]`, `p.tier_thresholds`, or a scalar subquery). A NULL array is no tiers.
 */
export const tierSql = (lifetimeExpr: string, thresholdsExpr: string) =>
  `(SELECT count(*) FROM unnest(${thresholdsExpr}) AS tier_threshold WHERE tier_threshold <= ${lifetimeExpr})::int`;
