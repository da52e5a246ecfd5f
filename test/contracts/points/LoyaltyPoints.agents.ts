/**
 * LoyaltyPoints: issuing agents. A merchant authorizes an agent (the platform's relayer) that issues
 * and claws back on its behalf, under exactly the merchant's own rules: its role, its allowance, its
 * refs, its events.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, type Hex } from "viem";
import { MERCHANT_ALLOWANCE, programContext, ref, ZERO_ADDRESS } from "../helpers/program.ts";
import { purchaseRef } from "../../../contracts/typed-data.ts";

const ctx = await programContext();
const { viem, accounts, networkHelpers } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice, bob, relayer, outsider } = accounts;

/** The program with the relayer authorized by merchant A only. */
async function withAgent() {
  const program = await ctx.deployProgram();
  await program.points.write.setIssuingAgent([relayer, true], { account: merchantA });
  return program;
}
const load = () => networkHelpers.loadFixture(withAgent);

describe("LoyaltyPoints — issuing agents", () => {
  describe("setIssuingAgent", () => {
    it("authorizes and revokes an agent per merchant, emitting IssuingAgentSet each time", async () => {
      const { points } = await ctx.load();
      assert.equal(await points.read.isIssuingAgent([merchantA, relayer]), false);
      await assertions.emitWithArgs(
        points.write.setIssuingAgent([relayer, true], { account: merchantA }),
        points,
        "IssuingAgentSet",
        [merchantA, relayer, true],
      );
      assert.equal(await points.read.isIssuingAgent([merchantA, relayer]), true);
      // Per merchant: merchant B did not authorize it.
      assert.equal(await points.read.isIssuingAgent([merchantB, relayer]), false);
      await assertions.emitWithArgs(
        points.write.setIssuingAgent([relayer, false], { account: merchantA }),
        points,
        "IssuingAgentSet",
        [merchantA, relayer, false],
      );
      assert.equal(await points.read.isIssuingAgent([merchantA, relayer]), false);
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone but a merchant (the operator included)", async () => {
      const { points, roles } = await ctx.load();
      for (const account of [operator, alice, relayer]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.setIssuingAgent([relayer, true], { account }),
          points,
          "AccessControlUnauthorizedAccount",
          [account, roles.merchant],
        );
      }
    });

    it("reverts with InvalidAccount for the zero address", async () => {
      const { points } = await ctx.load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.setIssuingAgent([ZERO_ADDRESS, true], { account: merchantA }),
        points,
        "InvalidAccount",
        [ZERO_ADDRESS],
      );
    });
  });

  describe("issueFor", () => {
    it("issues as the merchant: its allowance, its issuance record, PointsIssued naming it; the agent gains nothing", async () => {
      const { points } = await load();
      const purchase = purchaseRef(merchantA, "till-7/order-1");
      const hash = await points.write.issueFor([merchantA, alice, 250n, purchase], { account: relayer });
      await assertions.emitWithArgs(hash, points, "PointsIssued", [merchantA, alice, purchase, 250n]);
      await assertions.emitWithArgs(hash, points, "Transfer", [ZERO_ADDRESS, alice, 250n]);
      assert.equal(await points.read.balanceOf([alice]), 250n);
      assert.equal(await points.read.lifetimeEarned([alice]), 250n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 250n);
      assert.equal(await points.read.issuanceAllowance([relayer]), 0n);
      assert.equal(await points.read.balanceOf([relayer]), 0n);
      assert.deepEqual(await points.read.issuanceOf([merchantA, purchase]), {
        merchant: merchantA,
        amount: 250n,
        member: alice,
        clawedBack: 0n,
      });
    });

    it("reverts with NotIssuingAgent for a caller the merchant did not authorize, or for another merchant", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 1n, ref("x")], { account: outsider }),
        points,
        "NotIssuingAgent",
        [merchantA, outsider],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantB, alice, 1n, ref("x")], { account: relayer }),
        points,
        "NotIssuingAgent",
        [merchantB, relayer],
      );
      // A merchant is not its own agent either: it uses issue().
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 1n, ref("x")], { account: merchantA }),
        points,
        "NotIssuingAgent",
        [merchantA, merchantA],
      );
    });

    it("a revoked agent can no longer issue", async () => {
      const { points } = await load();
      await points.write.issueFor([merchantA, alice, 10n, ref("before")], { account: relayer });
      await points.write.setIssuingAgent([relayer, false], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 10n, ref("after")], { account: relayer }),
        points,
        "NotIssuingAgent",
        [merchantA, relayer],
      );
      assert.equal(await points.read.balanceOf([alice]), 10n);
    });

    it("an offboarded merchant's agent cannot issue (the merchant's role is required); onboarding again restores it", async () => {
      const { points, roles } = await load();
      await points.write.offboardMerchant([merchantA]);
      assert.equal(await points.read.isIssuingAgent([merchantA, relayer]), true);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 10n, ref("gone")], { account: relayer }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.merchant],
      );
      await points.write.onboardMerchant([merchantA, "Boulangerie Dupont", 100n]);
      await points.write.issueFor([merchantA, alice, 10n, ref("gone")], { account: relayer });
      assert.equal(await points.read.issuanceAllowance([merchantA]), 90n);
    });

    it("shares refs with issue: a ref used either way cannot be used again either way; another merchant's same value is its own ref", async () => {
      const { points } = await load();
      const direct = purchaseRef(merchantA, "order-1");
      const relayed = purchaseRef(merchantA, "order-2");
      await points.write.issue([alice, 10n, direct], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 10n, direct], { account: relayer }),
        points,
        "RefAlreadyUsed",
        [direct],
      );
      await points.write.issueFor([merchantA, alice, 10n, relayed], { account: relayer });
      for (const write of [
        () => points.write.issueFor([merchantA, bob, 10n, relayed], { account: relayer }),
        () => points.write.issue([bob, 10n, relayed], { account: merchantA }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), points, "RefAlreadyUsed", [relayed]);
      }
      await points.write.issue([bob, 10n, relayed], { account: merchantB });
      assert.equal(await points.read.balanceOf([alice]), 20n);
      assert.equal(await points.read.balanceOf([bob]), 10n);
      assert.equal((await points.read.issuanceOf([merchantA, relayed])).member, alice);
    });

    it("spends the merchant's allowance: IssuanceAllowanceExceeded names the merchant", async () => {
      const { points } = await load();
      await points.write.setIssuanceAllowance([merchantA, 100n]);
      await points.write.issueFor([merchantA, alice, 60n, ref("a")], { account: relayer });
      await points.write.issue([bob, 30n, ref("b")], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 11n, ref("c")], { account: relayer }),
        points,
        "IssuanceAllowanceExceeded",
        [merchantA, 10n, 11n],
      );
      await points.write.issueFor([merchantA, alice, 10n, ref("c")], { account: relayer });
      assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
    });

    it("keeps issue's rules: ZeroAmount, SelfIssuance for the merchant, EnforcedPause while paused", async () => {
      const { points } = await load();
      await assertions.revertWithCustomError(
        points.write.issueFor([merchantA, alice, 0n, ref("zero")], { account: relayer }),
        points,
        "ZeroAmount",
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, merchantA, 5n, ref("self")], { account: relayer }),
        points,
        "SelfIssuance",
        [merchantA],
      );
      await points.write.pause();
      await assertions.revertWithCustomError(
        points.write.issueFor([merchantA, alice, 5n, ref("paused")], { account: relayer }),
        points,
        "EnforcedPause",
      );
    });
  });

  describe("clawbackFor", () => {
    it("claws back as the merchant: PointsClawedBack names it, its allowance and the member's lifetime are restored", async () => {
      const { points } = await load();
      const purchase = purchaseRef(merchantA, "order-refunded");
      await points.write.issueFor([merchantA, alice, 300n, purchase], { account: relayer });
      const hash = await points.write.clawbackFor([merchantA, purchase, 120n], { account: relayer });
      await assertions.emitWithArgs(hash, points, "PointsClawedBack", [merchantA, alice, purchase, 120n]);
      await assertions.emitWithArgs(hash, points, "Transfer", [alice, ZERO_ADDRESS, 120n]);
      assert.equal(await points.read.balanceOf([alice]), 180n);
      assert.equal(await points.read.lifetimeEarned([alice]), 180n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 180n);
      assert.equal((await points.read.issuanceOf([merchantA, purchase])).clawedBack, 120n);
    });

    it("only up to what the ref issued, across clawback and clawbackFor: ClawbackExceedsIssuance", async () => {
      const { points } = await load();
      const purchase = ref("order-partial");
      await points.write.issue([alice, 100n, purchase], { account: merchantA });
      await points.write.clawbackFor([merchantA, purchase, 60n], { account: relayer });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 41n], { account: relayer }),
        points,
        "ClawbackExceedsIssuance",
        [purchase, 40n, 41n],
      );
      await points.write.clawback([purchase, 40n], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 1n], { account: relayer }),
        points,
        "ClawbackExceedsIssuance",
        [purchase, 0n, 1n],
      );
      assert.equal(await points.read.balanceOf([alice]), 0n);
    });

    it("only the issuing merchant's refs: UnknownIssuance for another merchant's, even when that merchant trusts the same agent", async () => {
      const { points } = await load();
      await points.write.setIssuingAgent([relayer, true], { account: merchantB });
      const purchaseOfB = ref("order-of-B");
      await points.write.issueFor([merchantB, alice, 50n, purchaseOfB], { account: relayer });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchaseOfB, 10n], { account: relayer }),
        points,
        "UnknownIssuance",
        [purchaseOfB],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawback([purchaseOfB, 10n], { account: merchantA }),
        points,
        "UnknownIssuance",
        [purchaseOfB],
      );
      // The merchant itself can refund what its agent issued.
      await points.write.clawback([purchaseOfB, 10n], { account: merchantB });
      assert.equal(await points.read.balanceOf([alice]), 40n);
    });

    it("reverts with NotIssuingAgent for a stranger or a revoked agent, UnknownIssuance for an unused ref, ZeroAmount for 0", async () => {
      const { points } = await load();
      const purchase = ref("order-9");
      await points.write.issueFor([merchantA, alice, 50n, purchase], { account: relayer });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 10n], { account: outsider }),
        points,
        "NotIssuingAgent",
        [merchantA, outsider],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, ref("never"), 10n], { account: relayer }),
        points,
        "UnknownIssuance",
        [ref("never")],
      );
      await assertions.revertWithCustomError(
        points.write.clawbackFor([merchantA, purchase, 0n], { account: relayer }),
        points,
        "ZeroAmount",
      );
      await points.write.setIssuingAgent([relayer, false], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 10n], { account: relayer }),
        points,
        "NotIssuingAgent",
        [merchantA, relayer],
      );
    });

    it("cannot take more than the member still holds: ERC20InsufficientBalance, and nothing changes", async () => {
      const { points } = await load();
      const purchase = ref("order-spent");
      await points.write.issueFor([merchantA, alice, 50n, purchase], { account: relayer });
      await points.write.transfer([bob, 45n], { account: alice });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 50n], { account: relayer }),
        points,
        "ERC20InsufficientBalance",
        [alice, 5n, 50n],
      );
      await points.write.clawbackFor([merchantA, purchase, 5n], { account: relayer });
      assert.equal(await points.read.balanceOf([alice]), 0n);
      assert.equal((await points.read.issuanceOf([merchantA, purchase])).clawedBack, 5n);
    });

    it("an offboarded merchant's agent cannot claw back (the merchant itself still can, with clawback)", async () => {
      const { points, roles } = await load();
      const purchase = ref("order-offboarded");
      await points.write.issueFor([merchantA, alice, 50n, purchase], { account: relayer });
      await points.write.offboardMerchant([merchantA]);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, purchase, 10n], { account: relayer }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.merchant],
      );
    });
  });

  describe("purchaseRef", () => {
    it("is keccak256(abi.encode(merchant, orderId)): distinct per merchant and per order", () => {
      // abi.encode(address, string) written out by hand: the address, the string's offset (0x40),
      // its length (3) and "A-1" padded right.
      const encoded = ("0x" +
        "0000000000000000000000001111111111111111111111111111111111111111" +
        "0000000000000000000000000000000000000000000000000000000000000040" +
        "0000000000000000000000000000000000000000000000000000000000000003" +
        "412d310000000000000000000000000000000000000000000000000000000000") as Hex;
      assert.equal(purchaseRef("0x1111111111111111111111111111111111111111", "A-1"), keccak256(encoded));
      assert.notEqual(purchaseRef(merchantA, "A-1"), purchaseRef(merchantB, "A-1"));
      assert.notEqual(purchaseRef(merchantA, "A-1"), purchaseRef(merchantA, "A-2"));
    });
  });
});
