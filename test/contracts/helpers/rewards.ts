/** Catalog helpers: reward terms with sensible defaults, and a createReward that returns the id. */
import type { Address } from "viem";
import { ref, type Program, type ProgramContext } from "./program.ts";

export enum Category {
  Discount = 0,
  FreeProduct = 1,
  EarlyAccess = 2,
  Experience = 3,
  Badge = 4,
}

export interface RewardTerms {
  cost: bigint;
  supplyCap: bigint;
  minTier: number;
  validFrom: number;
  validUntil: number;
  soulbound: boolean;
  mintOnly: boolean;
  category: number;
}

export interface RewardMetadata {
  name: string;
  description: string;
  image: string;
}

export const terms = (overrides: Partial<RewardTerms> = {}): RewardTerms => ({
  cost: 100n,
  supplyCap: 10n,
  minTier: 0,
  validFrom: 0,
  validUntil: 0,
  soulbound: false,
  mintOnly: false,
  category: Category.FreeProduct,
  ...overrides,
});

export const metadata = (overrides: Partial<RewardMetadata> = {}): RewardMetadata => ({
  name: "Free croissant",
  description: "One croissant of the day, at any Dupont bakery.",
  image: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/croissant.png",
  ...overrides,
});

/** Creates a reward as `merchant` and returns its id. */
export async function createReward(
  program: Pick<Program, "rewards">,
  merchant: Address,
  termOverrides: Partial<RewardTerms> = {},
  metadataOverrides: Partial<RewardMetadata> = {},
): Promise<bigint> {
  const { rewards } = program;
  await rewards.write.createReward([terms(termOverrides), metadata(metadataOverrides)], { account: merchant });
  return rewards.read.rewardCount();
}

/** Issues `amount` points from `merchant` to `member` under a fresh ref; returns the ref. */
let refCounter = 0;
export async function issuePoints(
  ctx: Pick<ProgramContext, "accounts">,
  program: Program,
  member: Address,
  amount: bigint,
  merchant: Address = ctx.accounts.merchantA,
) {
  const r = ref(`helper-issue-${++refCounter}`);
  await program.points.write.issue([member, amount, r], { account: merchant });
  return r;
}
