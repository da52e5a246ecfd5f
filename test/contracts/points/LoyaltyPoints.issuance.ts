/** LoyaltyPoints: merchants issue points (single and campaign), within allowance, once per ref; tiers; refunds. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MERCHANT_ALLOWANCE, programContext, ref, ZERO_ADDRESS } from "../helpers/program.ts";

const ctx = await programContext();
const { viem, accounts, load, eventsOf, timestampOf } = ctx;
const { assertions } = viem;
const { merchantA, merchantB, alice, bob, carol, outsider } = accounts;

describe("LoyaltyPoints — issuance", () => {
  describe("issue", () => {
    it("mints to the member, spends the allowance, records the issuance, emits PointsIssued and Transfer", async () => {
      const { points } = await load();
      const purchase = ref("order-1001");
      const hash = await points.write.issue([alice, 120n, purchase], { account: merchantA });
      await assertions.emitWithArgs(hash, points, "PointsIssued", [merchantA, alice, purchase, 120n]);
      await assertions.emitWithArgs(hash, points, "Transfer", [ZERO_ADDRESS, alice, 120n]);
      assert.equal(await points.read.balanceOf([alice]), 120n);
      assert.equal(await points.read.totalSupply(), 120n);
      assert.equal(await points.read.lifetimeEarned([alice]), 120n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 120n);
      assert.equal(await points.read.issuanceAllowance([merchantB]), MERCHANT_ALLOWANCE);
      assert.equal(await points.read.lastActivity([alice]), await timestampOf(hash));
      assert.deepEqual(await points.read.issuanceOf([merchantA, purchase]), {
        merchant: merchantA,
        amount: 120n,
        member: alice,
        clawedBack: 0n,
      });
    });

    it("an unused ref has an empty issuance record", async () => {
      const { points } = await load();
      assert.deepEqual(await points.read.issuanceOf([merchantA, ref("never used")]), {
        merchant: ZERO_ADDRESS,
        amount: 0n,
        member: ZERO_ADDRESS,
        clawedBack: 0n,
      });
    });

    it("issues exactly the whole allowance, then reverts with IssuanceAllowanceExceeded", async () => {
      const { points } = await load();
      await points.write.setIssuanceAllowance([merchantA, 300n]);
      await points.write.issue([alice, 200n, ref("a")], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([bob, 101n, ref("b")], { account: merchantA }),
        points,
        "IssuanceAllowanceExceeded",
        [merchantA, 100n, 101n],
      );
      await points.write.issue([bob, 100n, ref("b")], { account: merchantA });
      assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([bob, 1n, ref("c")], { account: merchantA }),
        points,
        "IssuanceAllowanceExceeded",
        [merchantA, 0n, 1n],
      );
    });

    it("a purchase rejected for lack of allowance can be retried with the same ref once the allowance is raised", async () => {
      const { points } = await load();
      await points.write.setIssuanceAllowance([merchantA, 10n]);
      const purchase = ref("order-retry");
      await assertions.revertWithCustomError(
        points.write.issue([alice, 50n, purchase], { account: merchantA }),
        points,
        "IssuanceAllowanceExceeded",
      );
      await points.write.increaseIssuanceAllowance([merchantA, 40n]);
      await points.write.issue([alice, 50n, purchase], { account: merchantA });
      assert.equal(await points.read.balanceOf([alice]), 50n);
    });

    it("reverts with RefAlreadyUsed on a ref the merchant replays; another merchant's same value is its own ref", async () => {
      const { points } = await load();
      const purchase = ref("order-42");
      await points.write.issue([alice, 10n, purchase], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([alice, 10n, purchase], { account: merchantA }),
        points,
        "RefAlreadyUsed",
        [purchase],
      );
      await points.write.issue([bob, 99n, purchase], { account: merchantB });
      assert.equal(await points.read.balanceOf([alice]), 10n);
      assert.equal(await points.read.balanceOf([bob]), 99n);
      assert.equal((await points.read.issuanceOf([merchantA, purchase])).amount, 10n);
      assert.equal((await points.read.issuanceOf([merchantB, purchase])).amount, 99n);
      assert.equal(await points.read.issuanceAllowance([merchantB]), MERCHANT_ALLOWANCE - 99n);
    });

    it("reverts with SelfIssuance when a merchant issues to itself", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([merchantA, 10n, ref("self")], { account: merchantA }),
        points,
        "SelfIssuance",
        [merchantA],
      );
    });

    it("a merchant may issue to another merchant (a customer like any other)", async () => {
      const { points } = await load();
      await points.write.issue([merchantB, 10n, ref("b2b")], { account: merchantA });
      assert.equal(await points.read.balanceOf([merchantB]), 10n);
    });

    it("reverts with ZeroAmount for a zero amount", async () => {
      const { points } = await load();
      await assertions.revertWithCustomError(
        points.write.issue([alice, 0n, ref("zero")], { account: merchantA }),
        points,
        "ZeroAmount",
      );
    });

    it("reverts with ERC20InvalidReceiver when the member is the zero address", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([ZERO_ADDRESS, 10n, ref("nobody")], { account: merchantA }),
        points,
        "ERC20InvalidReceiver",
        [ZERO_ADDRESS],
      );
    });

    it("reverts with AccessControlUnauthorizedAccount for a caller without MERCHANT_ROLE (even the operator)", async () => {
      const { points, roles } = await load();
      for (const caller of [outsider, accounts.operator, alice]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.issue([bob, 10n, ref("not a merchant")], { account: caller }),
          points,
          "AccessControlUnauthorizedAccount",
          [caller, roles.merchant],
        );
      }
    });
    it("caps the supply at uint112 so packed balances cannot overflow: SupplyCapExceeded", async () => {
      const { points } = await load();
      // Find the private `_supply` slot by its value, then bring the supply close to the cap.
      await points.write.issue([alice, 0x5eed5n, ref("marker")], { account: merchantA });
      const { publicClient, networkHelpers } = ctx;
      let supplySlot = -1;
      for (let slot = 0; slot < 32 && supplySlot < 0; slot++) {
        const value = await publicClient.getStorageAt({ address: points.address, slot: `0x${slot.toString(16)}` });
        if (value !== undefined && BigInt(value) === 0x5eed5n) supplySlot = slot;
      }
      assert.ok(supplySlot >= 0, "the supply slot was found");
      const cap = 2n ** 112n - 1n;
      await networkHelpers.setStorageAt(points.address, supplySlot, cap - 10n);
      assert.equal(await points.read.totalSupply(), cap - 10n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([bob, 11n, ref("over the cap")], { account: merchantA }),
        points,
        "SupplyCapExceeded",
        [11n, cap],
      );
      await points.write.issue([bob, 10n, ref("up to the cap")], { account: merchantA });
      assert.equal(await points.read.totalSupply(), cap);
    });
  });

  describe("issueBatch", () => {
    it("issues to every member under one campaign ref, spending the total from the allowance", async () => {
      const { points } = await load();
      const campaign = ref("campaign-spring");
      const hash = await points.write.issueBatch([[alice, bob, carol, alice], [10n, 20n, 30n, 5n], campaign], {
        account: merchantA,
      });
      const issued = await eventsOf(hash, points, "PointsIssued");
      assert.deepEqual(issued, [
        { merchant: merchantA, member: alice, ref: campaign, amount: 10n },
        { merchant: merchantA, member: bob, ref: campaign, amount: 20n },
        { merchant: merchantA, member: carol, ref: campaign, amount: 30n },
        { merchant: merchantA, member: alice, ref: campaign, amount: 5n },
      ]);
      assert.equal((await eventsOf(hash, points, "Transfer")).length, 4);
      assert.equal(await points.read.balanceOf([alice]), 15n);
      assert.equal(await points.read.balanceOf([bob]), 20n);
      assert.equal(await points.read.balanceOf([carol]), 30n);
      assert.equal(await points.read.lifetimeEarned([alice]), 15n);
      assert.equal(await points.read.totalSupply(), 65n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 65n);
      assert.deepEqual(await points.read.issuanceOf([merchantA, campaign]), {
        merchant: merchantA,
        amount: 65n,
        member: ZERO_ADDRESS,
        clawedBack: 0n,
      });
    });

    it("reverts with IssuanceAllowanceExceeded when the total exceeds the allowance (nothing is issued)", async () => {
      const { points } = await load();
      await points.write.setIssuanceAllowance([merchantA, 50n]);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[alice, bob], [30n, 21n], ref("too big")], { account: merchantA }),
        points,
        "IssuanceAllowanceExceeded",
        [merchantA, 50n, 51n],
      );
      assert.equal(await points.read.totalSupply(), 0n);
    });

    it("reverts with RefAlreadyUsed for a ref the merchant already used for a campaign or a purchase", async () => {
      const { points } = await load();
      const campaign = ref("campaign-used");
      await points.write.issueBatch([[alice], [1n], campaign], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[bob], [1n], campaign], { account: merchantA }),
        points,
        "RefAlreadyUsed",
        [campaign],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([bob, 1n, campaign], { account: merchantA }),
        points,
        "RefAlreadyUsed",
        [campaign],
      );
      const purchase = ref("purchase-used");
      await points.write.issue([alice, 1n, purchase], { account: merchantB });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[bob], [1n], purchase], { account: merchantB }),
        points,
        "RefAlreadyUsed",
        [purchase],
      );
      // The same values in another merchant's namespace are free.
      await points.write.issueBatch([[bob], [1n], campaign], { account: merchantB });
      await points.write.issueBatch([[bob], [1n], purchase], { account: merchantA });
      assert.equal(await points.read.balanceOf([bob]), 2n);
    });

    it("reverts with InvalidBatch for an empty batch or mismatched lengths", async () => {
      const { points } = await load();
      const cases: Array<[`0x${string}`[], bigint[]]> = [
        [[], []],
        [[alice, bob], [1n]],
        [[alice], [1n, 2n]],
      ];
      for (const [members, amounts] of cases) {
        await assertions.revertWithCustomError(
          points.write.issueBatch([members, amounts, ref("bad batch")], { account: merchantA }),
          points,
          "InvalidBatch",
        );
      }
    });

    it("reverts with ZeroAmount when any amount is zero", async () => {
      const { points } = await load();
      await assertions.revertWithCustomError(
        points.write.issueBatch([[alice, bob], [5n, 0n], ref("zero in batch")], { account: merchantA }),
        points,
        "ZeroAmount",
      );
    });

    it("reverts with SelfIssuance when the merchant is among the members", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[alice, merchantA], [5n, 5n], ref("self in batch")], { account: merchantA }),
        points,
        "SelfIssuance",
        [merchantA],
      );
    });

    it("reverts with AccessControlUnauthorizedAccount without MERCHANT_ROLE", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[alice], [5n], ref("x")], { account: outsider }),
        points,
        "AccessControlUnauthorizedAccount",
        [outsider, roles.merchant],
      );
    });
  });

  describe("tiers (lifetime earned points)", () => {
    it("tierOf counts the operator's thresholds reached by lifetime earned points (1000 / 5000 / 20000)", async () => {
      const { points } = await load();
      const steps: Array<[bigint, bigint]> = [
        [999n, 0n],
        [1n, 1n], // 1000
        [3_999n, 1n], // 4999
        [1n, 2n], // 5000
        [15_000n, 3n], // 20000
        [100_000n, 3n], // beyond the last tier
      ];
      let i = 0;
      for (const [amount, tier] of steps) {
        await points.write.issue([alice, amount, ref(`tier-${i++}`)], { account: merchantA });
        assert.equal(await points.read.tierOf([alice]), tier, `after ${await points.read.lifetimeEarned([alice])}`);
      }
      assert.equal(await points.read.tierOf([bob]), 0n);
    });

    it("transfers and donations never change a tier, for the sender nor the recipient", async () => {
      const { points } = await load();
      await points.write.issue([alice, 5_000n, ref("big purchase")], { account: merchantA });
      await points.write.transfer([bob, 4_000n], { account: alice });
      await points.write.donate([accounts.charity, 1_000n], { account: alice });
      assert.equal(await points.read.balanceOf([alice]), 0n);
      assert.equal(await points.read.tierOf([alice]), 2n);
      assert.equal(await points.read.lifetimeEarned([alice]), 5_000n);
      assert.equal(await points.read.balanceOf([bob]), 4_000n);
      assert.equal(await points.read.tierOf([bob]), 0n);
      assert.equal(await points.read.lifetimeEarned([bob]), 0n);
      assert.equal(await points.read.lifetimeEarned([accounts.charity]), 0n);
    });

    it("campaign points count towards the tier", async () => {
      const { points } = await load();
      await points.write.issueBatch([[alice, bob], [600n, 1_000n], ref("campaign")], { account: merchantA });
      await points.write.issue([alice, 400n, ref("purchase")], { account: merchantB });
      assert.equal(await points.read.tierOf([alice]), 1n);
      assert.equal(await points.read.tierOf([bob]), 1n);
    });
  });

  describe("clawback", () => {
    async function withPurchase() {
      const program = await load();
      const purchase = ref("order-refunded");
      await program.points.write.issue([alice, 1_200n, purchase], { account: merchantA });
      return { ...program, purchase };
    }

    it("burns the points, restores the allowance, reduces lifetime earned (and the tier), emits PointsClawedBack", async () => {
      const { points, purchase } = await withPurchase();
      assert.equal(await points.read.tierOf([alice]), 1n);
      const hash = await points.write.clawback([purchase, 300n], { account: merchantA });
      await assertions.emitWithArgs(hash, points, "PointsClawedBack", [merchantA, alice, purchase, 300n]);
      await assertions.emitWithArgs(hash, points, "Transfer", [alice, ZERO_ADDRESS, 300n]);
      await assertions.emitWithArgs(hash, points, "IssuanceAllowanceSet", [
        merchantA,
        MERCHANT_ALLOWANCE - 1_200n,
        MERCHANT_ALLOWANCE - 900n,
      ]);
      assert.equal(await points.read.balanceOf([alice]), 900n);
      assert.equal(await points.read.totalSupply(), 900n);
      assert.equal(await points.read.lifetimeEarned([alice]), 900n);
      assert.equal(await points.read.tierOf([alice]), 0n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 900n);
      assert.equal((await points.read.issuanceOf([merchantA, purchase])).clawedBack, 300n);
    });

    it("claws back in several steps up to what the ref issued, then reverts with ClawbackExceedsIssuance", async () => {
      const { points, purchase } = await withPurchase();
      await points.write.clawback([purchase, 1_000n], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 201n], { account: merchantA }),
        points,
        "ClawbackExceedsIssuance",
        [purchase, 200n, 201n],
      );
      await points.write.clawback([purchase, 200n], { account: merchantA });
      assert.equal(await points.read.balanceOf([alice]), 0n);
      assert.equal(await points.read.lifetimeEarned([alice]), 0n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 1n], { account: merchantA }),
        points,
        "ClawbackExceedsIssuance",
        [purchase, 0n, 1n],
      );
    });

    it("only takes what this ref issued, even when the member holds more", async () => {
      const { points, purchase } = await withPurchase();
      await points.write.issue([alice, 5_000n, ref("another order")], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 1_201n], { account: merchantA }),
        points,
        "ClawbackExceedsIssuance",
        [purchase, 1_200n, 1_201n],
      );
    });

    it("reverts with UnknownIssuance when another merchant claws back (the ref is not one of its own)", async () => {
      const { points, purchase } = await withPurchase();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 1n], { account: merchantB }),
        points,
        "UnknownIssuance",
        [purchase],
      );
    });

    it("reverts with UnknownIssuance for a campaign ref or a ref never used", async () => {
      const { points } = await load();
      const campaign = ref("campaign-no-clawback");
      await points.write.issueBatch([[alice], [50n], campaign], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([campaign, 10n], { account: merchantA }),
        points,
        "UnknownIssuance",
        [campaign],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([ref("unknown"), 10n], { account: merchantA }),
        points,
        "UnknownIssuance",
        [ref("unknown")],
      );
    });

    it("reverts with ZeroAmount for a zero amount", async () => {
      const { points, purchase } = await withPurchase();
      await assertions.revertWithCustomError(
        points.write.clawback([purchase, 0n], { account: merchantA }),
        points,
        "ZeroAmount",
      );
    });

    it("reverts with ERC20InsufficientBalance when the member no longer holds the points", async () => {
      const { points, purchase } = await withPurchase();
      await points.write.transfer([bob, 1_000n], { account: alice });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 1_200n], { account: merchantA }),
        points,
        "ERC20InsufficientBalance",
        [alice, 200n, 1_200n],
      );
      // What remains can still be taken back.
      await points.write.clawback([purchase, 200n], { account: merchantA });
      assert.equal(await points.read.balanceOf([alice]), 0n);
    });

    it("reverts with AccessControlUnauthorizedAccount without MERCHANT_ROLE (even the operator)", async () => {
      const { points, purchase, roles } = await withPurchase();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchase, 1n], { account: accounts.operator }),
        points,
        "AccessControlUnauthorizedAccount",
        [accounts.operator, roles.merchant],
      );
    });

    it("once the merchant is offboarded, the operator refunds for it (operatorClawback); its allowance stays zero", async () => {
      const { points, purchase, roles } = await withPurchase();
      await points.write.offboardMerchant([merchantA]);
      await assertions.revertWithCustomErrorWithArgs(points.write.clawback([purchase, 1n], { account: merchantA }), points, "AccessControlUnauthorizedAccount", [merchantA, roles.merchant]);
      await assertions.emitWithArgs(points.write.operatorClawback([merchantA, purchase, 200n]), points, "PointsClawedBack", [merchantA, alice, purchase, 200n]);
      assert.equal(await points.read.lifetimeEarned([alice]), 1_000n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
    });
  });
});
