/** RewardNFT: a token is used once as a voucher, by its merchant, with the holder's EIP-712 signature. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, hashDomain } from "viem";
import { DAY, programContext, tokenIdOf } from "../helpers/program.ts";
import { createReward } from "../helpers/rewards.ts";
import { CHAIN_ID, signVoucher, type VoucherUse } from "../helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, wallet } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { operator, merchantA, merchantB, alice, bob } = accounts;

/** Alice holds tokens 1 and 2 of merchant A's reward; the deadline is a day away. */
async function withVouchers() {
  const program = await load();
  const rewardId = await createReward(program, merchantA, { mintOnly: true });
  await program.rewards.write.mintExclusiveBatch([rewardId, [alice, alice]], { account: merchantA });
  const deadline = BigInt(await time.latest()) + DAY;
  const use = (overrides: Partial<VoucherUse> = {}): VoucherUse => ({
    tokenId: tokenIdOf(rewardId, 1n),
    holder: alice,
    merchant: merchantA,
    nonce: 1n,
    deadline,
    ...overrides,
  });
  return { ...program, rewardId, deadline, use };
}

describe("RewardNFT — vouchers", () => {
  it("the domain is RewardNFT / 1 on this chain and contract", async () => {
    const { rewards } = await withVouchers();
    const [, name, version, chainId, verifyingContract] = await rewards.read.eip712Domain();
    assert.deepEqual([name, version, chainId, getAddress(verifyingContract)], ["RewardNFT", "1", BigInt(CHAIN_ID), getAddress(rewards.address)]);
    assert.equal(
      await rewards.read.DOMAIN_SEPARATOR(),
      hashDomain({
        domain: { name: "RewardNFT", version: "1", chainId: BigInt(CHAIN_ID), verifyingContract: rewards.address },
        types: {
          EIP712Domain: [
            { name: "name", type: "string" },
            { name: "version", type: "string" },
            { name: "chainId", type: "uint256" },
            { name: "verifyingContract", type: "address" },
          ],
        },
      }),
    );
  });

  it("consumeVoucher with the holder's signature marks the token consumed, uses the nonce, emits VoucherConsumed", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    const v = use({ nonce: 42n });
    const signature = await signVoucher(wallet.alice, rewards.address, v);
    assert.equal(await rewards.read.isConsumed([v.tokenId]), false);
    await assertions.emitWithArgs(
      rewards.write.consumeVoucher([v.tokenId, 42n, deadline, signature], { account: merchantA }),
      rewards,
      "VoucherConsumed",
      [v.tokenId, rewardId, merchantA, alice, 42n],
    );
    assert.equal(await rewards.read.isConsumed([v.tokenId]), true);
    assert.equal(await rewards.read.isConsumed([tokenIdOf(rewardId, 2n)]), false);
    assert.equal(await rewards.read.isVoucherNonceUsed([alice, 42n]), true);
    // The holder keeps the token (a used voucher stays as a souvenir).
    assert.equal(await rewards.read.ownerOf([v.tokenId]), alice);
  });

  it("accepts the signature of a smart-contract wallet holder (ERC-1271) and refuses a stranger's for it", async () => {
    const { rewards, rewardId, deadline } = await withVouchers();
    const smartWallet = await viem.deployContract("ERC1271WalletMock", [bob]);
    await rewards.write.mintExclusive([rewardId, smartWallet.address], { account: merchantA });
    const v: VoucherUse = { tokenId: tokenIdOf(rewardId, 3n), holder: smartWallet.address, merchant: merchantA, nonce: 7n, deadline };
    const stranger = await signVoucher(wallet.alice, rewards.address, v);
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, 7n, deadline, stranger], { account: merchantA }),
      rewards,
      "InvalidVoucherSignature",
      [v.tokenId, smartWallet.address],
    );
    const byOwner = await signVoucher(wallet.bob, rewards.address, v);
    await assertions.emitWithArgs(
      rewards.write.consumeVoucher([v.tokenId, 7n, deadline, byOwner], { account: merchantA }),
      rewards,
      "VoucherConsumed",
      [v.tokenId, rewardId, merchantA, smartWallet.address, 7n],
    );
  });

  it("works only once: a replay reverts with VoucherAlreadyConsumed, so does a fresh signature", async () => {
    const { rewards, deadline, use } = await withVouchers();
    const v = use();
    const signature = await signVoucher(wallet.alice, rewards.address, v);
    await rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature], { account: merchantA }),
      rewards,
      "VoucherAlreadyConsumed",
      [v.tokenId],
    );
    const fresh = await signVoucher(wallet.alice, rewards.address, use({ nonce: 2n }));
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, 2n, deadline, fresh], { account: merchantA }),
      rewards,
      "VoucherAlreadyConsumed",
      [v.tokenId],
    );
  });

  it("reverts with VoucherNonceUsed when the holder's nonce was already used for another token", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    const first = use({ nonce: 7n });
    await rewards.write.consumeVoucher([first.tokenId, 7n, deadline, await signVoucher(wallet.alice, rewards.address, first)], {
      account: merchantA,
    });
    const second = use({ tokenId: tokenIdOf(rewardId, 2n), nonce: 7n });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([second.tokenId, 7n, deadline, await signVoucher(wallet.alice, rewards.address, second)], {
        account: merchantA,
      }),
      rewards,
      "VoucherNonceUsed",
      [alice, 7n],
    );
  });

  it("nonces are unordered: any unused value works, in any order", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    const a = use({ nonce: 900n });
    const b = use({ tokenId: tokenIdOf(rewardId, 2n), nonce: 3n });
    const sigA = await signVoucher(wallet.alice, rewards.address, a);
    const sigB = await signVoucher(wallet.alice, rewards.address, b);
    await rewards.write.consumeVoucher([b.tokenId, b.nonce, deadline, sigB], { account: merchantA });
    await rewards.write.consumeVoucher([a.tokenId, a.nonce, deadline, sigA], { account: merchantA });
    assert.equal(await rewards.read.isConsumed([a.tokenId]), true);
    assert.equal(await rewards.read.isConsumed([b.tokenId]), true);
  });

  it("accepts the signature up to its deadline, then reverts with VoucherSignatureExpired", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    const onTime = use();
    const late = use({ tokenId: tokenIdOf(rewardId, 2n), nonce: 2n });
    const sigOnTime = await signVoucher(wallet.alice, rewards.address, onTime);
    const sigLate = await signVoucher(wallet.alice, rewards.address, late);
    await time.setNextBlockTimestamp(deadline);
    await rewards.write.consumeVoucher([onTime.tokenId, onTime.nonce, deadline, sigOnTime], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([late.tokenId, late.nonce, deadline, sigLate], { account: merchantA }),
      rewards,
      "VoucherSignatureExpired",
      [deadline],
    );
  });

  it("reverts with InvalidVoucherSignature when someone other than the holder signed", async () => {
    const { rewards, deadline, use } = await withVouchers();
    const v = use();
    const forged = await signVoucher(wallet.bob, rewards.address, v);
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, forged], { account: merchantA }),
      rewards,
      "InvalidVoucherSignature",
      [v.tokenId, alice],
    );
    assert.equal(await rewards.read.isConsumed([v.tokenId]), false);
  });

  it("reverts with InvalidVoucherSignature when the submitted terms differ from the signed ones", async () => {
    const { rewards, deadline, use } = await withVouchers();
    const v = use();
    const signature = await signVoucher(wallet.alice, rewards.address, v);
    for (const [nonce, submittedDeadline] of [
      [v.nonce + 1n, deadline],
      [v.nonce, deadline + 1n],
    ]) {
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([v.tokenId, nonce, submittedDeadline, signature], { account: merchantA }),
        rewards,
        "InvalidVoucherSignature",
        [v.tokenId, alice],
      );
    }
    // Signed for another merchant, or another contract's domain.
    const forMerchantB = await signVoucher(wallet.alice, rewards.address, use({ merchant: merchantB }));
    const otherDomain = await signVoucher(wallet.alice, rewards.address, v, "OtherRewards");
    for (const signature2 of [forMerchantB, otherDomain]) {
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature2], { account: merchantA }),
        rewards,
        "InvalidVoucherSignature",
        [v.tokenId, alice],
      );
    }
  });

  it("reverts with InvalidVoucherSignature for a malformed signature", async () => {
    const { rewards, deadline, use } = await withVouchers();
    const v = use();
    for (const signature of ["0x", "0x1234", `0x${"00".repeat(65)}`] as const) {
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature], { account: merchantA }),
        rewards,
        "InvalidVoucherSignature",
        [v.tokenId, alice],
      );
    }
  });

  it("a previous holder's signature is void after a transfer (InvalidVoucherSignature); the new holder's works", async () => {
    const { rewards, deadline, use } = await withVouchers();
    const v = use();
    const aliceSignature = await signVoucher(wallet.alice, rewards.address, v);
    await rewards.write.transferFrom([alice, bob, v.tokenId], { account: alice });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, aliceSignature], { account: merchantA }),
      rewards,
      "InvalidVoucherSignature",
      [v.tokenId, bob],
    );
    const bobSignature = await signVoucher(wallet.bob, rewards.address, use({ holder: bob }));
    await assertions.emitWithArgs(
      rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, bobSignature], { account: merchantA }),
      rewards,
      "VoucherConsumed",
      [v.tokenId, await rewards.read.rewardOf([v.tokenId]), merchantA, bob, v.nonce],
    );
  });

  it("reverts with NotRewardMerchant for another merchant or the operator, even with a valid signature", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    for (const caller of [merchantB, operator]) {
      const v = use({ merchant: caller });
      const signature = await signVoucher(wallet.alice, rewards.address, v);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature], { account: caller }),
        rewards,
        "NotRewardMerchant",
        [rewardId, caller],
      );
    }
  });

  it("reverts with ERC721NonexistentToken for a token not minted yet", async () => {
    const { rewards, rewardId, deadline, use } = await withVouchers();
    const v = use({ tokenId: tokenIdOf(rewardId, 3n) });
    const signature = await signVoucher(wallet.alice, rewards.address, v);
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.consumeVoucher([v.tokenId, v.nonce, deadline, signature], { account: merchantA }),
      rewards,
      "ERC721NonexistentToken",
      [v.tokenId],
    );
  });

  describe("cancelVoucherNonce", () => {
    it("withdraws a shown voucher: VoucherNonceCancelled, then the merchant gets VoucherNonceUsed", async () => {
      const { rewards, deadline, use } = await withVouchers();
      const v = use({ nonce: 11n });
      const signature = await signVoucher(wallet.alice, rewards.address, v);
      await assertions.emitWithArgs(
        rewards.write.cancelVoucherNonce([11n], { account: alice }),
        rewards,
        "VoucherNonceCancelled",
        [alice, 11n],
      );
      assert.equal(await rewards.read.isVoucherNonceUsed([alice, 11n]), true);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([v.tokenId, 11n, deadline, signature], { account: merchantA }),
        rewards,
        "VoucherNonceUsed",
        [alice, 11n],
      );
      assert.equal(await rewards.read.isConsumed([v.tokenId]), false);
    });

    it("reverts with VoucherNonceUsed for a nonce already cancelled or used", async () => {
      const { rewards, deadline, use } = await withVouchers();
      await rewards.write.cancelVoucherNonce([1n], { account: bob });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.cancelVoucherNonce([1n], { account: bob }),
        rewards,
        "VoucherNonceUsed",
        [bob, 1n],
      );
      const v = use({ nonce: 5n });
      await rewards.write.consumeVoucher([v.tokenId, 5n, deadline, await signVoucher(wallet.alice, rewards.address, v)], {
        account: merchantA,
      });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.cancelVoucherNonce([5n], { account: alice }),
        rewards,
        "VoucherNonceUsed",
        [alice, 5n],
      );
    });

    it("only cancels the caller's own nonces", async () => {
      const { rewards } = await withVouchers();
      await rewards.write.cancelVoucherNonce([3n], { account: bob });
      assert.equal(await rewards.read.isVoucherNonceUsed([bob, 3n]), true);
      assert.equal(await rewards.read.isVoucherNonceUsed([alice, 3n]), false);
    });
  });
});
