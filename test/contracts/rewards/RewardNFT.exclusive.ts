/** RewardNFT: merchants mint exclusive rewards (VIP drops, badges); soulbound rewards never move. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress } from "viem";
import { programContext, ref, tokenIdOf, ZERO_ADDRESS } from "../helpers/program.ts";
import { Category, createReward } from "../helpers/rewards.ts";

const ctx = await programContext();
const { viem, accounts, load, eventsOf } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice, bob, carol } = accounts;

async function withBadge() {
  const program = await load();
  const badgeId = await createReward(program, merchantA, {
    mintOnly: true,
    soulbound: true,
    cost: 0n,
    supplyCap: 3n,
    category: Category.Badge,
  });
  const nonReceiver = await viem.deployContract("NonReceiver");
  return { ...program, badgeId, nonReceiver };
}

describe("RewardNFT — exclusive mints", () => {
  describe("mintExclusive", () => {
    it("the reward's merchant mints to a member without points: ExclusiveMinted and Transfer", async () => {
      const { rewards, points, badgeId } = await withBadge();
      const tokenId = tokenIdOf(badgeId, 1n);
      const { result } = await rewards.simulate.mintExclusive([badgeId, alice], { account: merchantA });
      assert.equal(result, tokenId);
      const hash = await rewards.write.mintExclusive([badgeId, alice], { account: merchantA });
      await assertions.emitWithArgs(hash, rewards, "ExclusiveMinted", [badgeId, merchantA, alice, tokenId]);
      await assertions.emitWithArgs(hash, rewards, "Transfer", [ZERO_ADDRESS, alice, tokenId]);
      assert.equal(await rewards.read.ownerOf([tokenId]), alice);
      assert.equal((await rewards.read.getReward([badgeId])).minted, 1n);
      assert.equal(await points.read.totalSupply(), 0n);
    });

    it("also works for a redeemable reward, sharing its supply cap", async () => {
      const program = await withBadge();
      const id = await createReward(program, merchantA, { supplyCap: 1n });
      await program.rewards.write.mintExclusive([id, bob], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        program.rewards.write.mintExclusive([id, carol], { account: merchantA }),
        program.rewards,
        "RewardSoldOut",
        [id, 1n],
      );
    });

    it("reverts with NotRewardMerchant for another merchant, the operator or a member", async () => {
      const { rewards, badgeId } = await withBadge();
      for (const caller of [merchantB, operator, alice]) {
        await assertions.revertWithCustomErrorWithArgs(
          rewards.write.mintExclusive([badgeId, alice], { account: caller }),
          rewards,
          "NotRewardMerchant",
          [badgeId, caller],
        );
      }
    });

    it("reverts with NotRewardMerchant once its merchant is offboarded", async () => {
      const { rewards, points, badgeId } = await withBadge();
      await points.write.offboardMerchant([merchantA]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([badgeId, alice], { account: merchantA }),
        rewards,
        "NotRewardMerchant",
        [badgeId, merchantA],
      );
    });

    it("reverts with RewardIsPaused while the reward is paused", async () => {
      const { rewards, badgeId } = await withBadge();
      await rewards.write.setRewardPaused([badgeId, true]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([badgeId, alice], { account: merchantA }),
        rewards,
        "RewardIsPaused",
        [badgeId],
      );
    });

    it("reverts with UnknownReward for a reward that does not exist", async () => {
      const { rewards } = await withBadge();
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([5n, alice], { account: merchantA }),
        rewards,
        "UnknownReward",
        [5n],
      );
    });

    it("reverts with RewardSoldOut beyond the supply cap", async () => {
      const { rewards, badgeId } = await withBadge();
      await rewards.write.mintExclusiveBatch([badgeId, [alice, bob, carol]], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([badgeId, alice], { account: merchantA }),
        rewards,
        "RewardSoldOut",
        [badgeId, 3n],
      );
    });

    it("reverts with ERC721InvalidReceiver for the zero address or a contract that is not a receiver", async () => {
      const { rewards, badgeId, nonReceiver } = await withBadge();
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([badgeId, ZERO_ADDRESS], { account: merchantA }),
        rewards,
        "ERC721InvalidReceiver",
        [ZERO_ADDRESS],
      );
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusive([badgeId, nonReceiver.address], { account: merchantA }),
        rewards,
        "ERC721InvalidReceiver",
        [getAddress(nonReceiver.address)],
      );
      assert.equal((await rewards.read.getReward([badgeId])).minted, 0n);
    });

    it("reverts with EnforcedPause while the program is paused", async () => {
      const { rewards, points, badgeId } = await withBadge();
      await points.write.pause();
      await assertions.revertWithCustomError(
        rewards.write.mintExclusive([badgeId, alice], { account: merchantA }),
        rewards,
        "EnforcedPause",
      );
      await points.write.unpause();
      await rewards.write.mintExclusive([badgeId, alice], { account: merchantA });
      assert.equal(await rewards.read.balanceOf([alice]), 1n);
    });
  });

  describe("mintExclusiveBatch", () => {
    it("mints one token to each member, in order, with one ExclusiveMinted each", async () => {
      const { rewards, badgeId } = await withBadge();
      const expected = [1n, 2n, 3n].map((serial) => tokenIdOf(badgeId, serial));
      const { result } = await rewards.simulate.mintExclusiveBatch([badgeId, [alice, bob, carol]], { account: merchantA });
      assert.deepEqual(result, expected);
      const hash = await rewards.write.mintExclusiveBatch([badgeId, [alice, bob, carol]], { account: merchantA });
      assert.deepEqual(await eventsOf(hash, rewards, "ExclusiveMinted"), [
        { rewardId: badgeId, merchant: merchantA, member: alice, tokenId: expected[0] },
        { rewardId: badgeId, merchant: merchantA, member: bob, tokenId: expected[1] },
        { rewardId: badgeId, merchant: merchantA, member: carol, tokenId: expected[2] },
      ]);
      assert.equal(await rewards.read.ownerOf([expected[0]]), alice);
      assert.equal(await rewards.read.ownerOf([expected[1]]), bob);
      assert.equal(await rewards.read.ownerOf([expected[2]]), carol);
    });

    it("reverts with RewardSoldOut as a whole when the batch exceeds the cap (nothing minted)", async () => {
      const { rewards, badgeId } = await withBadge();
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusiveBatch([badgeId, [alice, bob, carol, alice]], { account: merchantA }),
        rewards,
        "RewardSoldOut",
        [badgeId, 3n],
      );
      assert.equal((await rewards.read.getReward([badgeId])).minted, 0n);
      assert.equal(await rewards.read.balanceOf([alice]), 0n);
    });

    it("reverts with NotRewardMerchant for anyone but the reward's merchant", async () => {
      const { rewards, badgeId } = await withBadge();
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusiveBatch([badgeId, [alice]], { account: merchantB }),
        rewards,
        "NotRewardMerchant",
        [badgeId, merchantB],
      );
    });

    it("reverts with RewardIsPaused while the reward is paused", async () => {
      const { rewards, badgeId } = await withBadge();
      await rewards.write.setRewardPaused([badgeId, true], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.mintExclusiveBatch([badgeId, [alice]], { account: merchantA }),
        rewards,
        "RewardIsPaused",
        [badgeId],
      );
    });
  });

  describe("soulbound rewards and the program pause", () => {
    it("a soulbound token cannot be transferred by its holder nor an approved operator: SoulboundToken", async () => {
      const { rewards, badgeId } = await withBadge();
      const tokenId = tokenIdOf(badgeId, 1n);
      await rewards.write.mintExclusive([badgeId, alice], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.transferFrom([alice, bob, tokenId], { account: alice }),
        rewards,
        "SoulboundToken",
        [tokenId],
      );
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.safeTransferFrom([alice, bob, tokenId], { account: alice }),
        rewards,
        "SoulboundToken",
        [tokenId],
      );
      await rewards.write.setApprovalForAll([carol, true], { account: alice });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.transferFrom([alice, carol, tokenId], { account: carol }),
        rewards,
        "SoulboundToken",
        [tokenId],
      );
      assert.equal(await rewards.read.ownerOf([tokenId]), alice);
    });

    it("a soulbound reward bought with points is soulbound too", async () => {
      const program = await withBadge();
      await program.points.write.issue([alice, 100n, ref("order")], { account: merchantA });
      const id = await createReward(program, merchantA, { soulbound: true, cost: 100n });
      await program.rewards.write.redeem([id], { account: alice });
      await assertions.revertWithCustomErrorWithArgs(
        program.rewards.write.transferFrom([alice, bob, tokenIdOf(id, 1n)], { account: alice }),
        program.rewards,
        "SoulboundToken",
        [tokenIdOf(id, 1n)],
      );
    });

    it("pausing the program stops NFT transfers (EnforcedPause); unpause restores them", async () => {
      const program = await withBadge();
      const { rewards, points } = program;
      const id = await createReward(program, merchantA, { mintOnly: true });
      const tokenId = tokenIdOf(id, 1n);
      await rewards.write.mintExclusive([id, alice], { account: merchantA });
      await points.write.pause();
      await assertions.revertWithCustomError(
        rewards.write.transferFrom([alice, bob, tokenId], { account: alice }),
        rewards,
        "EnforcedPause",
      );
      await assertions.revertWithCustomError(
        rewards.write.safeTransferFrom([alice, bob, tokenId, "0x"], { account: alice }),
        rewards,
        "EnforcedPause",
      );
      await points.write.unpause();
      await rewards.write.transferFrom([alice, bob, tokenId], { account: alice });
      assert.equal(await rewards.read.ownerOf([tokenId]), bob);
    });
  });
});
