/**
 * The redemption pre-check against RewardNFT.redeem on a real node: for every reward state a page
 * can see, the reason shown is the one the contract reverts with first (or none when redeem passes).
 */
import { BaseError, ContractFunctionRevertedError, type Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { MERCHANT_ROLE, type ContractErrorName } from "../../contracts/spec/index.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { startHardhatNode, type HardhatNode } from "../../test/support/hardhat-node.ts";
import { deployTestProgram, MEMBERS, MERCHANTS, OPERATOR, type TestProgram } from "../../test/support/program.ts";
import type { MessageKey } from "./i18n/index.ts";
import { translator } from "./i18n/catalogs.ts";
import { redeemBlocker, type RedeemableReward } from "./rules.ts";
import { describeError } from "./tx-errors.ts";

/** The page's reason for each of redeem's reverts. */
const REASON: Partial<Record<ContractErrorName, MessageKey>> = {
  RewardIsPaused: "redeem.block.paused",
  RewardNotRedeemable: "redeem.block.mintOnly",
  MerchantNotActive: "chain.MerchantNotActive",
  RewardNotYetValid: "redeem.block.notYet",
  RewardEnded: "redeem.block.ended",
  RewardSoldOut: "redeem.block.soldOut",
  TierTooLow: "redeem.block.tier",
  InsufficientPoints: "redeem.block.balance",
};

let node: HardhatNode;
let p: TestProgram;
const RICH = MEMBERS[0]; // 600 points earned: tier 2 of [100, 500, 2000]
const POOR = MEMBERS[1]; // nothing: tier 0
const DAY = 86_400n;

async function send(from: number, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]) {
  const hash = await p.wallet(from).writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never } as never);
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  expect(receipt.status).toBe("success");
}
const now = async () => (await p.publicClient.getBlock()).timestamp;
async function createReward(merchant: number, terms: Partial<{ cost: bigint; supplyCap: bigint; minTier: number; validFrom: bigint; validUntil: bigint; mintOnly: boolean }>) {
  const full = { cost: 10n, supplyCap: 100n, minTier: 0, validFrom: 0n, validUntil: 0n, soulbound: false, mintOnly: false, category: 0, ...terms };
  await send(merchant, p.rewards, rewardNftAbi, "createReward", [full, { name: "Reward", description: "", image: "" }]);
  return (await p.publicClient.readContract({ address: p.rewards, abi: rewardNftAbi, functionName: "rewardCount" })) as bigint;
}

/** What the member page knows of the reward and the member, read from the chain. */
async function pageState(rewardId: bigint, member: number) {
  const r = await p.publicClient.readContract({ address: p.rewards, abi: rewardNftAbi, functionName: "getReward", args: [rewardId] });
  const address = devAccount(member).address;
  const reward: RedeemableReward = {
    cost: r.terms.cost, supplyCap: r.terms.supplyCap, minted: r.minted, minTier: r.terms.minTier,
    validFrom: BigInt(r.terms.validFrom), validUntil: BigInt(r.terms.validUntil), mintOnly: r.terms.mintOnly, paused: r.paused,
    merchantActive: await p.publicClient.readContract({ address: p.points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [MERCHANT_ROLE, r.merchant] }),
  };
  const balance = await p.publicClient.readContract({ address: p.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [address] });
  const tier = Number(await p.publicClient.readContract({ address: p.points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [address] }));
  return { reward, member: { balance, tier }, now: await now() };
}

/** The error redeem reverts with for `member` right now, or null when it would pass. */
async function redeemRevert(rewardId: bigint, member: number): Promise<{ name: ContractErrorName; error: BaseError } | null> {
  try {
    await p.publicClient.simulateContract({ address: p.rewards, abi: rewardNftAbi, functionName: "redeem", args: [rewardId], account: devAccount(member).address });
    return null;
  } catch (error) {
    const reverted = error instanceof BaseError ? (error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null) : null;
    if (!reverted?.data?.errorName) throw error;
    return { name: reverted.data.errorName as ContractErrorName, error: error as BaseError };
  }
}

async function expectPageAgreesWithContract(rewardId: bigint, member: number, expected: ContractErrorName | null) {
  const revert = await redeemRevert(rewardId, member);
  expect(revert?.name ?? null, "the contract's answer").toBe(expected);
  const state = await pageState(rewardId, member);
  expect(redeemBlocker(state.reward, state.member, state.now)?.key ?? null, `reward ${rewardId}, member ${member}`).toBe(expected ? REASON[expected] : null);
}

beforeAll(async () => {
  node = await startHardhatNode();
  p = await deployTestProgram(node.url);
  await send(MERCHANTS[0], p.points, loyaltyPointsAbi, "issue", [devAccount(RICH).address, 600n, `0x${"01".repeat(32)}`]);
});
afterAll(() => node?.stop());

describe("the redemption pre-check, against RewardNFT.redeem", () => {
  it("passes an eligible member and stops at balance, then tier", async () => {
    const plain = await createReward(MERCHANTS[0], { cost: 100n });
    await expectPageAgreesWithContract(plain, RICH, null);
    await expectPageAgreesWithContract(plain, POOR, "InsufficientPoints");
    const gated = await createReward(MERCHANTS[0], { cost: 1_000n, minTier: 3 });
    await expectPageAgreesWithContract(gated, POOR, "TierTooLow");
  });

  it("checks supply before tier and balance, and validity before supply", async () => {
    const single = await createReward(MERCHANTS[0], { cost: 10n, supplyCap: 1n, minTier: 1 });
    await send(RICH, p.rewards, rewardNftAbi, "redeem", [single]);
    await expectPageAgreesWithContract(single, POOR, "RewardSoldOut");
    const later = await createReward(MERCHANTS[0], { cost: 1_000n, minTier: 3, validFrom: (await now()) + DAY });
    await expectPageAgreesWithContract(later, POOR, "RewardNotYetValid");
    const brief = await createReward(MERCHANTS[0], { cost: 10n, supplyCap: 1n, validUntil: (await now()) + 100n });
    await send(RICH, p.rewards, rewardNftAbi, "redeem", [brief]);
    await p.publicClient.request({ method: "evm_increaseTime" as never, params: [200] as never });
    await p.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    await expectPageAgreesWithContract(brief, POOR, "RewardEnded");
  });

  it("checks the reward's pause before mint-only", async () => {
    await expectPageAgreesWithContract(2n, RICH, "RewardNotRedeemable");
    await send(MERCHANTS[1], p.rewards, rewardNftAbi, "setRewardPaused", [2n, true]);
    await expectPageAgreesWithContract(2n, RICH, "RewardIsPaused");
  });

  it("shows an offboarded merchant's rewards as not redeemable, with the contract's MerchantNotActive message", async () => {
    const shop = MERCHANTS[2];
    const plain = await createReward(shop, { cost: 10n });
    const later = await createReward(shop, { cost: 1_000n, minTier: 3, validFrom: (await now()) + DAY });
    const paused = await createReward(shop, { cost: 10n });
    await send(shop, p.rewards, rewardNftAbi, "setRewardPaused", [paused, true]);
    await expectPageAgreesWithContract(plain, RICH, null);
    await send(OPERATOR, p.points, loyaltyPointsAbi, "offboardMerchant", [devAccount(shop).address]);

    await expectPageAgreesWithContract(plain, RICH, "MerchantNotActive");
    await expectPageAgreesWithContract(later, POOR, "MerchantNotActive");
    await expectPageAgreesWithContract(paused, RICH, "RewardIsPaused");

    const state = await pageState(plain, RICH);
    const blocker = redeemBlocker(state.reward, state.member, state.now)!;
    const revert = (await redeemRevert(plain, RICH))!;
    for (const locale of ["fr", "en"] as const) {
      const t = translator(locale);
      expect(t(blocker.key, blocker.vars)).toBe(describeError(revert.error, t));
      expect(describeError(revert.error, t)).not.toContain("MerchantNotActive");
    }
  });
});
