/** The program's rules as the pages pre-check them before anything is sent (the chain re-checks all). */
import type { ContractErrorName } from "../../contracts/spec/errors.ts";
import type { MessageKey } from "./i18n/index.ts";
import { CONTRACT_ERROR_MESSAGES } from "./tx-errors.ts";

export interface RedeemableReward {
  cost: bigint;
  supplyCap: bigint;
  minted: bigint;
  minTier: number;
  validFrom: bigint;
  validUntil: bigint;
  mintOnly: boolean;
  paused: boolean;
  /** The reward's merchant is still in the coalition (holds MERCHANT_ROLE). */
  merchantActive: boolean;
}

export type Blocker = { key: MessageKey; vars?: Record<string, string | bigint> };

type Member = { balance: bigint; tier: number };
interface RedeemCheck {
  /** What RewardNFT.redeem reverts with when this check fails. */
  error: ContractErrorName;
  fails(reward: RedeemableReward, member: Member, nowSeconds: bigint): boolean;
  blocker(reward: RedeemableReward, member: Member): Blocker;
}

/**
 * RewardNFT.redeem's checks in its order, so that the reason shown is the one the chain would give
 * (the reward exists: the page lists the catalog; the programme's pause and a moved account are
 * the page's own notices).
 */
const REDEEM_CHECKS: readonly RedeemCheck[] = [
  { error: "RewardIsPaused", fails: (r) => r.paused, blocker: () => ({ key: "redeem.block.paused" }) },
  { error: "RewardNotRedeemable", fails: (r) => r.mintOnly, blocker: () => ({ key: "redeem.block.mintOnly" }) },
  { error: "MerchantNotActive", fails: (r) => !r.merchantActive, blocker: () => ({ key: CONTRACT_ERROR_MESSAGES.MerchantNotActive }) },
  { error: "RewardNotYetValid", fails: (r, _, now) => now < r.validFrom, blocker: () => ({ key: "redeem.block.notYet" }) },
  { error: "RewardEnded", fails: (r, _, now) => r.validUntil !== 0n && now > r.validUntil, blocker: () => ({ key: "redeem.block.ended" }) },
  { error: "RewardSoldOut", fails: (r) => r.minted >= r.supplyCap, blocker: () => ({ key: "redeem.block.soldOut" }) },
  { error: "TierTooLow", fails: (r, m) => m.tier < r.minTier, blocker: () => ({ key: "redeem.block.tier" }) },
  {
    error: "InsufficientPoints",
    fails: (r, m) => m.balance < r.cost,
    blocker: (r, m) => ({ key: "redeem.block.balance", vars: { missing: r.cost - m.balance } }),
  },
];

/** Why `member` cannot redeem `reward` at `nowSeconds`, or null when it can. */
export function redeemBlocker(reward: RedeemableReward, member: Member, nowSeconds: bigint): Blocker | null {
  const check = REDEEM_CHECKS.find((c) => c.fails(reward, member, nowSeconds));
  return check ? check.blocker(reward, member) : null;
}

/** Expiry warnings start this long before the date. */
export const EXPIRY_WARNING_DAYS = 60;
