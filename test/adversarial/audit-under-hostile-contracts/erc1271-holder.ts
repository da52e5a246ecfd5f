/**
 * A reward holder that is a smart-contract wallet (ERC-1271) and tries to act from inside its own
 * signature check while a merchant consumes its voucher: withdraw the voucher nonce, or pass the
 * token on, so that the shop honours a voucher whose state changed under it. The catalog checks
 * signatures with a static call, so the attempt can only make the check fail: nothing changes, and
 * a wallet that behaves gets its voucher used once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, getAddress } from "viem";
import { DAY, programContext, tokenIdOf } from "../../contracts/helpers/program.ts";
import { createReward } from "../../contracts/helpers/rewards.ts";
import { signVoucher } from "../../contracts/helpers/signatures.ts";
import { ZERO_ADDRESS } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers } = ctx;
const { assertions } = viem;
const { merchantA, bob, carol } = accounts;

describe("adversarial — a hostile ERC-1271 holder at the shop", () => {
  it("acting from inside isValidSignature (cancel the nonce, move the token) fails the check and changes nothing", async () => {
    const program = await ctx.load();
    const { rewards } = program;
    const rewardId = await createReward(program, merchantA, { mintOnly: true });
    const holder = await viem.deployContract("ReentrantERC1271Wallet", [bob]);
    await rewards.write.mintExclusive([rewardId, holder.address], { account: merchantA });
    const token = tokenIdOf(rewardId, 1n);
    const deadline = BigInt(await networkHelpers.time.latest()) + DAY;
    const signature = await signVoucher(wallet.bob, rewards.address, { tokenId: token, holder: holder.address, merchant: merchantA, nonce: 5n, deadline });

    for (const data of [
      encodeFunctionData({ abi: rewards.abi, functionName: "cancelVoucherNonce", args: [5n] }),
      encodeFunctionData({ abi: rewards.abi, functionName: "transferFrom", args: [holder.address, carol, token] }),
    ]) {
      await holder.write.arm([rewards.address, data]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.consumeVoucher([token, 5n, deadline, signature], { account: merchantA }),
        rewards,
        "InvalidVoucherSignature",
        [token, holder.address],
      );
    }
    assert.equal(await rewards.read.ownerOf([token]), getAddress(holder.address));
    assert.equal(await rewards.read.isVoucherNonceUsed([holder.address, 5n]), false);
    assert.equal(await holder.read.attempts(), 0n);

    // Disarmed, the same wallet's signature is honoured, once.
    await holder.write.arm([ZERO_ADDRESS, "0x"]);
    await rewards.write.consumeVoucher([token, 5n, deadline, signature], { account: merchantA });
    assert.equal(await rewards.read.isConsumed([token]), true);
  });
});
