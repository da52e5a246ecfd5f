/** RewardNFT: members redeem points for rewards — burn and mint in one transaction, after every check. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, programContext, ref, tokenIdOf, ZERO_ADDRESS } from "../helpers/program.ts";
import { createReward } from "../helpers/rewards.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, eventsOf } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { merchantA, alice, bob } = accounts;

/** Alice earned 1 200 points (tier 1); reward 1 costs 300 points. */
async function withCatalog() {
  const program = await load();
  await program.points.write.issue([alice, 1_200n, ref("order")], { account: merchantA });
  const rewardId = await createReward(program, merchantA, { cost: 300n, supplyCap: 5n });
  return { ...program, rewardId };
}

describe("RewardNFT — redeem", () => {
  it("burns exactly the cost and mints token rewardId<<128|1 in the same transaction", async () => {
    const { points, rewards, rewardId } = await withCatalog();
    const tokenId = tokenIdOf(rewardId, 1n);
    const { result } = await rewards.simulate.redeem([rewardId], { account: alice });
    assert.equal(result, tokenId);
    const hash = await rewards.write.redeem([rewardId], { account: alice });
    await assertions.emitWithArgs(hash, rewards, "RewardRedeemed", [rewardId, alice, tokenId, 300n]);
    await assertions.emitWithArgs(hash, rewards, "Transfer", [ZERO_ADDRESS, alice, tokenId]);
    await assertions.emitWithArgs(hash, points, "PointsRedeemed", [alice, rewardId, 300n]);
    await assertions.emitWithArgs(hash, points, "Transfer", [alice, ZERO_ADDRESS, 300n]);
    assert.equal(await points.read.balanceOf([alice]), 900n);
    assert.equal(await points.read.totalSupply(), 900n);
    assert.equal(await rewards.read.ownerOf([tokenId]), alice);
    assert.equal(await rewards.read.balanceOf([alice]), 1n);
    assert.equal((await rewards.read.getReward([rewardId])).minted, 1n);
    // Redeeming spends points but never lowers the tier.
    assert.equal(await points.read.tierOf([alice]), 1n);
  });

  it("serials count up per reward: the second token is rewardId<<128|2", async () => {
    const { rewards, rewardId } = await withCatalog();
    await rewards.write.redeem([rewardId], { account: alice });
    const hash = await rewards.write.redeem([rewardId], { account: alice });
    const [redeemed] = await eventsOf(hash, rewards, "RewardRedeemed");
    assert.equal(redeemed.tokenId, tokenIdOf(rewardId, 2n));
    assert.equal(await rewards.read.ownerOf([tokenIdOf(rewardId, 2n)]), alice);
  });

  it("a free reward (cost 0) mints without touching points", async () => {
    const program = await withCatalog();
    const { rewards, points } = program;
    const freeId = await createReward(program, merchantA, { cost: 0n });
    const hash = await rewards.write.redeem([freeId], { account: bob });
    await assertions.emitWithArgs(hash, rewards, "RewardRedeemed", [freeId, bob, tokenIdOf(freeId, 1n), 0n]);
    assert.deepEqual(await eventsOf(hash, points, "PointsRedeemed"), []);
    assert.equal(await rewards.read.ownerOf([tokenIdOf(freeId, 1n)]), bob);
  });

  it("reverts with MerchantNotActive once the reward's merchant left the coalition: nobody would honour it", async () => {
    const { points, rewards, rewardId } = await withCatalog();
    await points.write.offboardMerchant([merchantA], { account: accounts.operator });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.redeem([rewardId], { account: alice }),
      rewards,
      "MerchantNotActive",
      [rewardId, merchantA],
    );
    assert.equal(await points.read.balanceOf([alice]), 1_200n, "no point was burnt");
    // Back in the coalition, its rewards are redeemable again.
    await points.write.onboardMerchant([merchantA, "Back", 1_000n], { account: accounts.operator });
    await rewards.write.redeem([rewardId], { account: alice });
    assert.equal(await points.read.balanceOf([alice]), 900n);
  });

  it("reverts with UnknownReward for a reward that does not exist", async () => {
    const { rewards } = await withCatalog();
    await assertions.revertWithCustomErrorWithArgs(rewards.write.redeem([2n], { account: alice }), rewards, "UnknownReward", [2n]);
    await assertions.revertWithCustomErrorWithArgs(rewards.write.redeem([0n], { account: alice }), rewards, "UnknownReward", [0n]);
  });

  it("reverts with RewardIsPaused while its merchant paused it, and works once resumed", async () => {
    const { rewards, rewardId } = await withCatalog();
    await rewards.write.setRewardPaused([rewardId, true], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.redeem([rewardId], { account: alice }),
      rewards,
      "RewardIsPaused",
      [rewardId],
    );
    await rewards.write.setRewardPaused([rewardId, false], { account: merchantA });
    await rewards.write.redeem([rewardId], { account: alice });
    assert.equal(await rewards.read.balanceOf([alice]), 1n);
  });

  it("reverts with RewardNotRedeemable for a mint-only reward", async () => {
    const program = await withCatalog();
    const id = await createReward(program, merchantA, { mintOnly: true, cost: 0n });
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.write.redeem([id], { account: alice }),
      program.rewards,
      "RewardNotRedeemable",
      [id],
    );
  });

  it("reverts with RewardNotYetValid before validFrom, and works from validFrom on", async () => {
    const program = await withCatalog();
    const validFrom = (await time.latest()) + Number(DAY);
    const id = await createReward(program, merchantA, { validFrom });
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.write.redeem([id], { account: alice }),
      program.rewards,
      "RewardNotYetValid",
      [id, BigInt(validFrom)],
    );
    await time.setNextBlockTimestamp(validFrom);
    await program.rewards.write.redeem([id], { account: alice });
    assert.equal(await program.rewards.read.ownerOf([tokenIdOf(id, 1n)]), alice);
  });

  it("works until the last second of validUntil, then reverts with RewardEnded", async () => {
    const program = await withCatalog();
    const validUntil = (await time.latest()) + Number(DAY);
    const id = await createReward(program, merchantA, { validUntil });
    await time.setNextBlockTimestamp(validUntil);
    await program.rewards.write.redeem([id], { account: alice });
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.write.redeem([id], { account: alice }),
      program.rewards,
      "RewardEnded",
      [id, BigInt(validUntil)],
    );
  });

  it("reverts with RewardSoldOut once the supply cap is reached (exclusive mints count too)", async () => {
    const program = await withCatalog();
    const { rewards } = program;
    const id = await createReward(program, merchantA, { cost: 100n, supplyCap: 2n });
    await rewards.write.mintExclusive([id, bob], { account: merchantA });
    await rewards.write.redeem([id], { account: alice });
    await assertions.revertWithCustomErrorWithArgs(rewards.write.redeem([id], { account: alice }), rewards, "RewardSoldOut", [
      id,
      2n,
    ]);
    assert.equal(await program.points.read.balanceOf([alice]), 1_100n);
  });

  it("reverts with TierTooLow below the reward's minimum tier, and works once the tier is reached", async () => {
    const program = await withCatalog();
    const id = await createReward(program, merchantA, { minTier: 2, cost: 100n });
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.write.redeem([id], { account: alice }),
      program.rewards,
      "TierTooLow",
      [alice, 1n, 2n],
    );
    // Points received by transfer do not raise the tier…
    await program.points.write.issue([bob, 5_000n, ref("bob big order")], { account: merchantA });
    await program.points.write.transfer([alice, 5_000n], { account: bob });
    await assertions.revertWithCustomErrorWithArgs(
      program.rewards.write.redeem([id], { account: alice }),
      program.rewards,
      "TierTooLow",
      [alice, 1n, 2n],
    );
    // …earned ones do.
    await program.points.write.issue([alice, 3_800n, ref("alice big order")], { account: merchantA });
    await program.rewards.write.redeem([id], { account: alice });
    assert.equal(await program.rewards.read.balanceOf([alice]), 1n);
  });

  it("reverts with InsufficientPoints when the balance is below the cost", async () => {
    const { rewards, points, rewardId } = await withCatalog();
    await points.write.transfer([bob, 901n], { account: alice });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.redeem([rewardId], { account: alice }),
      rewards,
      "InsufficientPoints",
      [alice, 299n, 300n],
    );
    assert.equal(await points.read.balanceOf([alice]), 299n);
    assert.equal(await rewards.read.balanceOf([alice]), 0n);
  });

  it("checks the pause before the window, the window before the supply, the supply before tier and balance", async () => {
    const program = await withCatalog();
    const { rewards } = program;
    const now = await time.latest();
    const id = await createReward(program, merchantA, { cost: 10n ** 9n, minTier: 3, supplyCap: 1n, validUntil: now + 100 });
    await rewards.write.mintExclusive([id, bob], { account: merchantA });
    await assertions.revertWithCustomError(rewards.write.redeem([id], { account: alice }), rewards, "RewardSoldOut");
    await time.increase(200);
    await assertions.revertWithCustomError(rewards.write.redeem([id], { account: alice }), rewards, "RewardEnded");
    await rewards.write.setRewardPaused([id, true], { account: merchantA });
    await assertions.revertWithCustomError(rewards.write.redeem([id], { account: alice }), rewards, "RewardIsPaused");
  });

  it("reverts with EnforcedPause while the program is paused (paid and free rewards), works after unpause", async () => {
    const program = await withCatalog();
    const { rewards, points, rewardId } = program;
    const freeId = await createReward(program, merchantA, { cost: 0n });
    await points.write.pause();
    await assertions.revertWithCustomError(rewards.write.redeem([rewardId], { account: alice }), rewards, "EnforcedPause");
    await assertions.revertWithCustomError(rewards.write.redeem([freeId], { account: alice }), rewards, "EnforcedPause");
    assert.equal(await points.read.balanceOf([alice]), 1_200n);
    await points.write.unpause();
    await rewards.write.redeem([rewardId], { account: alice });
    await rewards.write.redeem([freeId], { account: alice });
    assert.equal(await rewards.read.balanceOf([alice]), 2n);
  });

  it("fails when the catalog lost REDEEMER_ROLE (points cannot be burnt without it)", async () => {
    const { rewards, points, rewardId, roles } = await withCatalog();
    await points.write.revokeRole([roles.redeemer, rewards.address]);
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.redeem([rewardId], { account: alice }),
      points,
      "AccessControlUnauthorizedAccount",
      [(a: unknown) => (a as string).toLowerCase() === rewards.address.toLowerCase(), roles.redeemer],
    );
  });
});
