/** What a points movement is, as the indexer and the web classify LoyaltyPoints' events. */
export const POINT_EVENT_KINDS = ["issuance", "transfer", "redemption", "donation", "expiry", "clawback"] as const;
export type PointEventKind = (typeof POINT_EVENT_KINDS)[number];
