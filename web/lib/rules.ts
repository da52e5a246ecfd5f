/** The program's rules as the pages pre-check them before anything is sent (the chain re-checks all). */
import type { MessageKey } from "./i18n/index.ts";

export interface RedeemableReward {
  cost: bigint;
  supplyCap: bigint;
  minted: bigint;
  minTier: number;
  validFrom: bigint;
  validUntil: bigint;
  mintOnly: boolean;
  paused: boolean;
}

export type Blocker = { key: MessageKey; vars?: Record<string, string | bigint> };

/** Why `member` cannot redeem `reward` at `nowSeconds`, or null when it can. */
export function redeemBlocker(reward: RedeemableReward, member: { balance: bigint; tier: number }, nowSeconds: bigint): Blocker | null {
  if (reward.mintOnly) return { key: "redeem.block.mintOnly" };
  if (reward.paused) return { key: "redeem.block.paused" };
  if (reward.minted >= reward.supplyCap) return { key: "redeem.block.soldOut" };
  if (reward.validFrom > 0n && nowSeconds < reward.validFrom) return { key: "redeem.block.notYet" };
  if (reward.validUntil > 0n && nowSeconds > reward.validUntil) return { key: "redeem.block.ended" };
  if (member.tier < reward.minTier) return { key: "redeem.block.tier" };
  if (member.balance < reward.cost) return { key: "redeem.block.balance", vars: { missing: reward.cost - member.balance } };
  return null;
}

/** Expiry warnings start this long before the date. */
export const EXPIRY_WARNING_DAYS = 60;
