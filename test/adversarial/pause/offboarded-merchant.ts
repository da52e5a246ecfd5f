/**
 * A merchant the operator removed from the coalition is stopped for good, like a pause of its own:
 * no voucher, no reward, no exclusive mint, no redemption of its rewards, no issuance by it or by
 * its agents. Its members keep their tokens, and its own refunds stay possible (see
 * issuance-and-refs). Onboarded again, it works again, each voucher still once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, programContext, ref, tokenIdOf } from "../../contracts/helpers/program.ts";
import { createReward, metadata, terms } from "../../contracts/helpers/rewards.ts";
import { signVoucher } from "../../contracts/helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { operator, merchantA, alice, relayer } = accounts;

/** Alice holds a token of merchant A's reward and signed a voucher use for the shop; then A is offboarded. */
async function withOffboardedMerchant() {
  const program = await ctx.deployProgram();
  const { points, rewards } = program;
  await points.write.setIssuingAgent([relayer, true], { account: merchantA });
  await points.write.issue([alice, 500n, ref("alice")], { account: merchantA });
  const rewardId = await createReward(program, merchantA, { cost: 100n });
  await rewards.write.redeem([rewardId], { account: alice });
  const token = tokenIdOf(rewardId, 1n);
  const deadline = BigInt(await time.latest()) + DAY;
  const pending = { nonce: 2n, signature: await signVoucher(wallet.alice, rewards.address, { tokenId: token, holder: alice, merchant: merchantA, nonce: 2n, deadline }) };
  await points.write.offboardMerchant([merchantA], { account: operator });
  return { ...program, rewardId, token, deadline, pending };
}
const load = () => networkHelpers.loadFixture(withOffboardedMerchant);

describe("adversarial — an offboarded merchant", () => {
  it("cannot consume a voucher its member signed before (MerchantNotActive), and the voucher stays unused", async () => {
    const { rewards, rewardId, token, deadline, pending } = await load();
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([token, pending.nonce, deadline, pending.signature], { account: merchantA }),
      rewards,
      "MerchantNotActive",
      [rewardId, merchantA],
    );
    assert.equal(await rewards.read.isConsumed([token]), false);
    assert.equal(await rewards.read.isVoucherNonceUsed([alice, pending.nonce]), false);
  });

  it("cannot list, mint or sell rewards, nor issue itself or through its agent", async () => {
    const { points, rewards, rewardId, roles } = await load();
    await assertions.revertWithCustomErrorWithArgs(rewards.write.createReward([terms(), metadata()], { account: merchantA }), rewards, "NotMerchant", [merchantA]);
    await assertions.revertWithCustomErrorWithArgs(rewards.write.mintExclusive([rewardId, alice], { account: merchantA }), rewards, "NotRewardMerchant", [rewardId, merchantA]);
    await assertions.revertWithCustomErrorWithArgs(rewards.write.redeem([rewardId], { account: alice }), rewards, "MerchantNotActive", [rewardId, merchantA]);
    await assertions.revertWithCustomErrorWithArgs(points.write.issue([alice, 1n, ref("gone")], { account: merchantA }), points, "AccessControlUnauthorizedAccount", [merchantA, roles.merchant]);
    await assertions.revertWithCustomErrorWithArgs(points.write.issueFor([merchantA, alice, 1n, ref("gone")], { account: relayer }), points, "AccessControlUnauthorizedAccount", [merchantA, roles.merchant]);
    // Unpausing its own reward does not bring redemptions back.
    await rewards.write.setRewardPaused([rewardId, false], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(rewards.write.redeem([rewardId], { account: alice }), rewards, "MerchantNotActive", [rewardId, merchantA]);
  });

  it("its members keep their tokens, free to move them", async () => {
    const { rewards, token } = await load();
    await rewards.write.transferFrom([alice, accounts.bob, token], { account: alice });
    assert.equal(await rewards.read.ownerOf([token]), accounts.bob);
  });

  it("onboarded again, it accepts the voucher again, once", async () => {
    const { points, rewards, token, deadline, pending } = await load();
    await points.write.onboardMerchant([merchantA, "Boulangerie Dupont", 1_000n], { account: operator });
    await rewards.write.consumeVoucher([token, pending.nonce, deadline, pending.signature], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([token, pending.nonce, deadline, pending.signature], { account: merchantA }),
      rewards,
      "VoucherAlreadyConsumed",
      [token],
    );
  });
});
