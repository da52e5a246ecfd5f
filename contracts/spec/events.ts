/** What a points movement is, as the indexer and the web classify LoyaltyPoints' events. */
export const POINT_EVENT_KINDS = ["issuance", "transfer", "redemption", "donation", "expiry", "clawback"] as const;
export type PointEventKind = (typeof POINT_EVENT_KINDS)[number];

/**
 * The most purchases one `issuePurchases`/`issuePurchasesFor` call takes (LoyaltyPoints'
 * MAX_PURCHASE_BATCH; spec.chain.test.ts checks it against the deployed contract).
 */
export const MAX_PURCHASE_BATCH = 200;

/**
 * Why a purchase of a batch issued nothing: LoyaltyPoints' `SkipReason`, by its index in the enum
 * (the ABI carries only the index), carried by `PurchaseSkipped`.
 */
export const PURCHASE_SKIP_REASONS = [
  "ZeroAmount",
  "RefAlreadyUsed",
  "MemberMigratedAway",
  "AllowanceExhausted",
  "InvalidMember",
  "AmountOutOfRange",
  "SupplyCapReached",
] as const;
export type PurchaseSkipReason = (typeof PURCHASE_SKIP_REASONS)[number];

/** The name of a `PurchaseSkipped` reason index; throws on an index the spec does not know (a newer contract). */
export function purchaseSkipReason(index: number): PurchaseSkipReason {
  const name = PURCHASE_SKIP_REASONS[index];
  if (name === undefined) throw new RangeError(`unknown PurchaseSkipped reason ${index}`);
  return name;
}
