/**
 * Attacks on issuance refs, as a rival merchant, a shared agent or an outsider would try them.
 * The property: a ref belongs to one merchant. Nobody else (another merchant, another merchant's
 * agent, an outsider posing as the merchant) can consume it, squat it or claw it back. Once the
 * merchant left the coalition its key refunds nothing (it may be why it left); the operator refunds
 * for it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { concatHex, encodeFunctionData } from "viem";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import { MERCHANT_ALLOWANCE, programContext, ref, ZERO_ADDRESS } from "../../contracts/helpers/program.ts";
import { signForwardRequest } from "../../contracts/helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice, bob, carol, relayer, outsider } = accounts;

/** Both merchants trust the platform's relayer as their agent, as every merchant of the platform does. */
async function withSharedAgent() {
  const program = await ctx.load();
  await program.points.write.setIssuingAgent([relayer, true], { account: merchantA });
  await program.points.write.setIssuingAgent([relayer, true], { account: merchantB });
  return program;
}
const load = () => ctx.networkHelpers.loadFixture(withSharedAgent);

describe("adversarial — issuance and refs", () => {
  describe("a rival merchant squats the victim's predictable ref", () => {
    it("B issuing 1 point under purchaseRef(A, order) and clawing it back leaves A's purchase issuable, in full, to A's member", async () => {
      const { points } = await load();
      const victimRef = purchaseRef(merchantA, "order-1001");
      await points.write.issue([bob, 1n, victimRef], { account: merchantB });
      await points.write.clawback([victimRef, 1n], { account: merchantB });

      await assertions.emitWithArgs(
        points.write.issue([alice, 100n, victimRef], { account: merchantA }),
        points,
        "PointsIssued",
        [merchantA, alice, victimRef, 100n],
      );
      assert.equal(await points.read.balanceOf([alice]), 100n);
      assert.deepEqual(await points.read.issuanceOf([merchantA, victimRef]), { merchant: merchantA, amount: 100n, member: alice, clawedBack: 0n });
      assert.deepEqual(await points.read.issuanceOf([merchantB, victimRef]), { merchant: merchantB, amount: 1n, member: bob, clawedBack: 1n });
    });

    it("the squat fails the same way through the shared agent (issueFor as B) and through a campaign (issueBatch as B)", async () => {
      const { points } = await load();
      const viaAgent = purchaseRef(merchantA, "order-agent");
      const viaCampaign = purchaseRef(merchantA, "order-campaign");
      await points.write.issueFor([merchantB, bob, 1n, viaAgent], { account: relayer });
      await points.write.issueBatch([[bob, carol], [1n, 1n], viaCampaign], { account: merchantB });
      await points.write.issueFor([merchantA, alice, 40n, viaAgent], { account: relayer });
      await points.write.issue([alice, 60n, viaCampaign], { account: merchantA });
      assert.equal(await points.read.balanceOf([alice]), 100n);
      assert.equal((await points.read.issuanceOf([merchantA, viaAgent])).member, alice);
      assert.equal((await points.read.issuanceOf([merchantB, viaCampaign])).member, ZERO_ADDRESS);
    });

    it("within one merchant a ref is still single-use, across issue, issueFor and issueBatch", async () => {
      const { points } = await load();
      const order = purchaseRef(merchantA, "order-7");
      await points.write.issue([alice, 10n, order], { account: merchantA });
      for (const write of [
        () => points.write.issue([bob, 10n, order], { account: merchantA }),
        () => points.write.issueFor([merchantA, bob, 10n, order], { account: relayer }),
        () => points.write.issueBatch([[bob], [10n], order], { account: merchantA }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), points, "RefAlreadyUsed", [order]);
      }
      const campaign = ref("spring-campaign");
      await points.write.issueBatch([[alice, alice, bob], [1n, 2n, 3n], campaign], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[carol], [1n], campaign], { account: merchantA }),
        points,
        "RefAlreadyUsed",
        [campaign],
      );
      // A duplicated member in one batch is credited each time: a campaign may pay twice on purpose.
      assert.equal(await points.read.balanceOf([alice]), 13n);
      assert.equal((await points.read.issuanceOf([merchantA, campaign])).amount, 6n);
    });
  });

  describe("clawing back someone else's ref", () => {
    it("another merchant, or the shared agent acting for it, finds no issuance under A's ref; a non-merchant cannot even ask", async () => {
      const { points, roles } = await load();
      const order = purchaseRef(merchantA, "order-refund-me");
      await points.write.issue([alice, 80n, order], { account: merchantA });
      for (const write of [
        () => points.write.clawback([order, 1n], { account: merchantB }),
        () => points.write.clawbackFor([merchantB, order, 1n], { account: relayer }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), points, "UnknownIssuance", [order]);
      }
      for (const account of [outsider, alice]) {
        await assertions.revertWithCustomErrorWithArgs(points.write.clawback([order, 1n], { account }), points, "AccessControlUnauthorizedAccount", [account, roles.merchant]);
      }
      assert.equal(await points.read.balanceOf([alice]), 80n);
      assert.equal(await points.read.issuanceAllowance([merchantB]), MERCHANT_ALLOWANCE);
    });

    it("an agent A never authorized cannot act for A at all (NotIssuingAgent), whatever ref it names", async () => {
      const { points } = await load();
      const order = purchaseRef(merchantA, "order-x");
      await points.write.issue([alice, 50n, order], { account: merchantA });
      await points.write.setIssuingAgent([outsider, true], { account: merchantB });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.clawbackFor([merchantA, order, 50n], { account: outsider }),
        points,
        "NotIssuingAgent",
        [merchantA, outsider],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, outsider, 50n, ref("steal")], { account: outsider }),
        points,
        "NotIssuingAgent",
        [merchantA, outsider],
      );
    });

    it("an outsider appending A's address to the calldata (ERC-2771 spoofing without the forwarder) is still the outsider", async () => {
      const { points } = await load();
      const order = purchaseRef(merchantA, "order-spoofed");
      await points.write.issue([alice, 70n, order], { account: merchantA });
      const outsiderWallet = ctx.wallet.outsider;
      for (const data of [
        encodeFunctionData({ abi: points.abi, functionName: "clawback", args: [order, 70n] }),
        encodeFunctionData({ abi: points.abi, functionName: "issue", args: [outsider, 70n, ref("spoof")] }),
        encodeFunctionData({ abi: points.abi, functionName: "setIssuingAgent", args: [outsider, true] }),
      ]) {
        await assert.rejects(outsiderWallet.sendTransaction({ to: points.address, data: concatHex([data, merchantA]), gas: 300_000n }));
      }
      assert.equal(await points.read.balanceOf([alice]), 70n);
      assert.equal(await points.read.isIssuingAgent([merchantA, outsider]), false);
    });
  });

  it("through the trusted forwarder, a request naming A as its sender but signed by anyone else is refused; signed by A, it is A's", async () => {
    const { points, forwarder } = await load();
    const order = purchaseRef(merchantA, "order-forwarded");
    await points.write.issue([alice, 60n, order], { account: merchantA });
    const request = async (signer: typeof ctx.wallet.outsider) =>
      signForwardRequest(signer, forwarder.address, {
        from: merchantA,
        to: points.address,
        value: 0n,
        gas: 300_000n,
        nonce: await forwarder.read.nonces([merchantA]),
        deadline: Number(await ctx.networkHelpers.time.latest()) + 3_600,
        data: encodeFunctionData({ abi: points.abi, functionName: "clawback", args: [order, 60n] }),
      });
    await assertions.revertWithCustomError(forwarder.write.execute([await request(ctx.wallet.outsider)], { account: outsider }), forwarder, "ERC2771ForwarderInvalidSigner");
    assert.equal(await points.read.balanceOf([alice]), 60n);
    await assertions.emitWithArgs(forwarder.write.execute([await request(ctx.wallet.merchantA)], { account: outsider }), points, "PointsClawedBack", [merchantA, alice, order, 60n]);
  });

  describe("refunds after a merchant left the coalition", () => {
    it("a stolen key of a removed shop burns nothing: neither the shop nor its former agent can claw back", async () => {
      const { points, roles } = await load();
      const order = purchaseRef(merchantA, "order-before-leaving");
      await points.write.issue([alice, 90n, order], { account: merchantA });
      await points.write.offboardMerchant([merchantA]);
      for (const write of [
        () => points.write.clawback([order, 90n], { account: merchantA }),
        () => points.write.clawbackFor([merchantA, order, 90n], { account: relayer }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), points, "AccessControlUnauthorizedAccount", [merchantA, roles.merchant]);
      }
      assert.equal(await points.read.balanceOf([alice]), 90n);
    });

    it("the operator refunds for it (operatorClawback): only its refs, within their issuance, its allowance staying zero", async () => {
      const { points } = await load();
      const order = purchaseRef(merchantA, "order-refunded-late");
      await points.write.issue([alice, 90n, order], { account: merchantA });
      await points.write.offboardMerchant([merchantA]);
      await assertions.emitWithArgs(points.write.operatorClawback([merchantA, order, 30n], { account: operator }), points, "PointsClawedBack", [merchantA, alice, order, 30n]);
      assert.equal(await points.read.balanceOf([alice]), 60n);
      assert.equal(await points.read.lifetimeEarned([alice]), 60n);
      assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
      assert.equal((await points.read.issuanceOf([merchantA, order])).clawedBack, 30n);
      await assertions.revertWithCustomErrorWithArgs(points.write.operatorClawback([merchantA, order, 61n], { account: operator }), points, "ClawbackExceedsIssuance", [order, 60n, 61n]);
      // Another merchant's ref under the same value is not the offboarded merchant's.
      await points.write.issue([bob, 5n, ref("b-only")], { account: merchantB });
      await assertions.revertWithCustomErrorWithArgs(points.write.operatorClawback([merchantA, ref("b-only"), 1n], { account: operator }), points, "UnknownIssuance", [ref("b-only")]);
    });

    it("nobody but the operator may, and not for a merchant still in the coalition (its refunds are its own)", async () => {
      const { points, roles } = await load();
      const order = purchaseRef(merchantA, "order-active");
      await points.write.issue([alice, 40n, order], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(points.write.operatorClawback([merchantA, order, 1n], { account: operator }), points, "MerchantStillActive", [merchantA]);
      await points.write.offboardMerchant([merchantA]);
      for (const account of [merchantA, merchantB, relayer, outsider]) {
        await assertions.revertWithCustomErrorWithArgs(points.write.operatorClawback([merchantA, order, 1n], { account }), points, "AccessControlUnauthorizedAccount", [account, roles.admin]);
      }
      assert.equal(await points.read.balanceOf([alice]), 40n);
    });

    it("onboarded again, the merchant refunds by itself again and its clawbacks restore its allowance", async () => {
      const { points } = await load();
      const order = purchaseRef(merchantA, "order-round-trip");
      await points.write.issue([alice, 50n, order], { account: merchantA });
      await points.write.offboardMerchant([merchantA]);
      await points.write.operatorClawback([merchantA, order, 10n], { account: operator });
      await points.write.onboardMerchant([merchantA, "Boulangerie Dupont", 500n]);
      await points.write.clawback([order, 10n], { account: merchantA });
      assert.equal(await points.read.issuanceAllowance([merchantA]), 510n);
    });
  });
});
