/** RewardNFT: merchants list rewards; their merchant or the operator pauses them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, keccak256, toHex } from "viem";
import { programContext, tokenIdOf } from "../helpers/program.ts";
import { Category, createReward, metadata, terms } from "../helpers/rewards.ts";

const ctx = await programContext();
const { viem, accounts, load } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice } = accounts;

describe("RewardNFT — catalog", () => {
  it("is wired to the points contract and the forwarder", async () => {
    const { rewards, points, forwarder } = await load();
    assert.equal(getAddress(await rewards.read.points()), getAddress(points.address));
    assert.equal(await rewards.read.isTrustedForwarder([forwarder.address]), true);
    assert.equal(await rewards.read.rewardCount(), 0n);
    assert.equal(
      await rewards.read.VOUCHER_USE_TYPEHASH(),
      keccak256(toHex("VoucherUse(uint256 tokenId,address holder,address merchant,uint256 nonce,uint256 deadline)")),
    );
  });

  describe("createReward", () => {
    it("lists a reward with ids from 1, emits RewardCreated with its terms and metadata", async () => {
      const { rewards } = await load();
      const t = terms({ cost: 250n, supplyCap: 3n, minTier: 2, validFrom: 1_000, validUntil: 2_000_000_000, soulbound: true, category: Category.Experience });
      const m = metadata({ name: "Atelier pâtisserie" });
      const { result } = await rewards.simulate.createReward([t, m], { account: merchantA });
      assert.equal(result, 1n);
      await assertions.emitWithArgs(rewards.write.createReward([t, m], { account: merchantA }), rewards, "RewardCreated", [
        1n,
        merchantA,
        t,
        m,
      ]);
      assert.equal(await rewards.read.rewardCount(), 1n);
      assert.deepEqual(await rewards.read.getReward([1n]), {
        merchant: merchantA,
        minted: 0n,
        paused: false,
        terms: t,
        metadata: m,
      });
      const second = await createReward({ rewards }, merchantB);
      assert.equal(second, 2n);
      assert.equal((await rewards.read.getReward([2n])).merchant, merchantB);
    });

    it("accepts an open-ended window (validUntil 0) and a one-second window", async () => {
      const program = await load();
      await createReward(program, merchantA, { validFrom: 5_000, validUntil: 0 });
      await createReward(program, merchantA, { validFrom: 5_000, validUntil: 5_000 });
      assert.equal(await program.rewards.read.rewardCount(), 2n);
    });

    it("reverts with NotMerchant for a caller without the points contract's MERCHANT_ROLE", async () => {
      const { rewards } = await load();
      for (const caller of [alice, operator]) {
        await assertions.revertWithCustomErrorWithArgs(
          rewards.write.createReward([terms(), metadata()], { account: caller }),
          rewards,
          "NotMerchant",
          [caller],
        );
      }
    });

    it("reverts with NotMerchant for an offboarded merchant", async () => {
      const { rewards, points } = await load();
      await points.write.offboardMerchant([merchantB]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.createReward([terms(), metadata()], { account: merchantB }),
        rewards,
        "NotMerchant",
        [merchantB],
      );
    });

    const invalid: Array<[string, Parameters<typeof terms>[0], Parameters<typeof metadata>[0]]> = [
      ["a zero supply cap", { supplyCap: 0n }, {}],
      ["an empty name", {}, { name: "" }],
      ["a window that ends before it starts", { validFrom: 2_000, validUntil: 1_999 }, {}],
      // The fixture has three tiers above the base: tier 4 could never redeem it.
      ["a minimum tier that does not exist", { minTier: 4 }, {}],
    ];
    for (const [label, t, m] of invalid) {
      it(`reverts with InvalidReward for ${label}`, async () => {
        const { rewards } = await load();
        await assertions.revertWithCustomError(
          rewards.write.createReward([terms(t), metadata(m)], { account: merchantA }),
          rewards,
          "InvalidReward",
        );
      });
    }

    it("reverts with SafeCastOverflowedUintDowncast for a cost beyond 96 bits", async () => {
      const { rewards } = await load();
      const cost = 2n ** 96n;
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.createReward([terms({ cost }), metadata()], { account: merchantA }),
        rewards,
        "SafeCastOverflowedUintDowncast",
        [96, cost],
      );
    });
  });

  describe("getReward / rewardOf", () => {
    it("getReward reverts with UnknownReward for id 0 and ids not yet created", async () => {
      const program = await load();
      await createReward(program, merchantA);
      for (const id of [0n, 2n]) {
        await assertions.revertWithCustomErrorWithArgs(program.rewards.read.getReward([id]), program.rewards, "UnknownReward", [id]);
      }
    });

    it("rewardOf reads the reward id from the top 128 bits of a token id", async () => {
      const { rewards } = await load();
      assert.equal(await rewards.read.rewardOf([tokenIdOf(7n, 3n)]), 7n);
      assert.equal(await rewards.read.rewardOf([tokenIdOf(2n ** 100n, 2n ** 128n - 1n)]), 2n ** 100n);
      assert.equal(await rewards.read.rewardOf([5n]), 0n);
    });
  });

  describe("setRewardPaused", () => {
    it("its merchant pauses and resumes it (RewardPauseSet)", async () => {
      const program = await load();
      const { rewards } = program;
      const id = await createReward(program, merchantA);
      await assertions.emitWithArgs(rewards.write.setRewardPaused([id, true], { account: merchantA }), rewards, "RewardPauseSet", [
        id,
        merchantA,
        true,
      ]);
      assert.equal((await rewards.read.getReward([id])).paused, true);
      await assertions.emitWithArgs(rewards.write.setRewardPaused([id, false], { account: merchantA }), rewards, "RewardPauseSet", [
        id,
        merchantA,
        false,
      ]);
      assert.equal((await rewards.read.getReward([id])).paused, false);
    });

    it("the operator may pause any reward", async () => {
      const program = await load();
      const id = await createReward(program, merchantA);
      await assertions.emitWithArgs(program.rewards.write.setRewardPaused([id, true]), program.rewards, "RewardPauseSet", [
        id,
        operator,
        true,
      ]);
      assert.equal((await program.rewards.read.getReward([id])).paused, true);
    });

    it("reverts with NotRewardMerchant for another merchant or a member", async () => {
      const program = await load();
      const id = await createReward(program, merchantA);
      for (const caller of [merchantB, alice]) {
        await assertions.revertWithCustomErrorWithArgs(
          program.rewards.write.setRewardPaused([id, true], { account: caller }),
          program.rewards,
          "NotRewardMerchant",
          [id, caller],
        );
      }
    });

    it("reverts with UnknownReward for a reward that does not exist", async () => {
      const { rewards } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.setRewardPaused([9n, true], { account: merchantA }),
        rewards,
        "UnknownReward",
        [9n],
      );
    });
  });
});
