/**
 * Gasless member actions: a member with zero ETH signs an ERC-2771 ForwardRequest (EIP-712 domain
 * "LoyaltyForwarder" / "1"), a relayer submits it through `execute`, and the contracts attribute the
 * effects to the member (`_msgSender()`), never to the relayer.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anyValue } from "@nomicfoundation/hardhat-viem-assertions/predicates";
import { concat, encodeFunctionData, getAddress, keccak256, toHex, type Abi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { programContext, ref, tokenIdOf, ZERO_ADDRESS } from "../helpers/program.ts";
import { createReward } from "../helpers/rewards.ts";
import { CHAIN_ID, signForwardRequest, type Signer } from "../helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, publicClient } = ctx;
const { assertions } = viem;
const { merchantA, bob, relayer, charity } = accounts;

/** A custodial member: its key signs, it never holds ETH. */
const member = privateKeyToAccount(keccak256(toHex("gasless member")));
const impostor = privateKeyToAccount(keccak256(toHex("gasless impostor")));

async function withGaslessMember() {
  const program = await load();
  await program.points.write.issue([member.address, 1_000n, ref("order")], { account: merchantA });
  const rewardId = await createReward(program, merchantA, { cost: 400n });

  /** Signs a request to call `functionName(args)` on `to` and returns what `execute` takes. */
  async function request(
    to: { address: Address; abi: Abi },
    functionName: string,
    args: readonly unknown[],
    options: { signer?: Signer; from?: Address; deadline?: number; gas?: bigint; value?: bigint; nonce?: bigint } = {},
  ) {
    const from = options.from ?? member.address;
    const data = encodeFunctionData({ abi: to.abi, functionName, args } as never) as Hex;
    return signForwardRequest(options.signer ?? member, program.forwarder.address, {
      from,
      to: to.address,
      value: options.value ?? 0n,
      gas: options.gas ?? 300_000n,
      nonce: options.nonce ?? (await program.forwarder.read.nonces([from])),
      deadline: options.deadline ?? (await networkHelpers.time.latest()) + 3_600,
      data,
    });
  }
  return { ...program, rewardId, request };
}

async function ethOf(address: Address) {
  return publicClient.getBalance({ address });
}

describe("LoyaltyForwarder — gasless member actions", () => {
  it("is OpenZeppelin's forwarder under the EIP-712 domain LoyaltyForwarder / 1", async () => {
    const { forwarder } = await load();
    const [, name, version, chainId, verifyingContract] = await forwarder.read.eip712Domain();
    assert.deepEqual([name, version, chainId, getAddress(verifyingContract)], [
      "LoyaltyForwarder",
      "1",
      BigInt(CHAIN_ID),
      getAddress(forwarder.address),
    ]);
  });

  it("transfer: the member's points move, the relayer pays the gas, the member still has zero ETH", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    assert.equal(await ethOf(member.address), 0n);
    const relayerEthBefore = await ethOf(relayer);
    const req = await request(points, "transfer", [bob, 250n]);
    const hash = await forwarder.write.execute([req], { account: relayer });
    await assertions.emitWithArgs(hash, points, "Transfer", [member.address, bob, 250n]);
    await assertions.emitWithArgs(hash, forwarder, "ExecutedForwardRequest", [member.address, 0n, true]);
    assert.equal(await points.read.balanceOf([member.address]), 750n);
    assert.equal(await points.read.balanceOf([bob]), 250n);
    assert.equal(await points.read.balanceOf([relayer]), 0n);
    assert.equal(await ethOf(member.address), 0n);
    assert.ok((await ethOf(relayer)) < relayerEthBefore, "the relayer paid the gas");
    assert.equal(await forwarder.read.nonces([member.address]), 1n);
  });

  it("donate: PointsDonated names the member, not the relayer nor the forwarder", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const req = await request(points, "donate", [charity, 100n]);
    const hash = await forwarder.write.execute([req], { account: relayer });
    await assertions.emitWithArgs(hash, points, "PointsDonated", [member.address, charity, 100n]);
    // No ETH moves: the relayer only pays the gas (accounted for by the assertion), the member nothing.
    await assertions.balancesHaveChanged(hash, [
      { address: member.address, amount: 0n },
      { address: relayer, amount: 0n },
    ]);
    assert.equal(await points.read.balanceOf([charity]), 100n);
    assert.equal(await points.read.balanceOf([member.address]), 900n);
    assert.equal(await ethOf(member.address), 0n);
  });

  it("RewardNFT.redeem: burns the member's points and mints the NFT to the member", async () => {
    const { points, rewards, forwarder, rewardId, request } = await withGaslessMember();
    const tokenId = tokenIdOf(rewardId, 1n);
    const req = await request(rewards, "redeem", [rewardId]);
    const hash = await forwarder.write.execute([req], { account: relayer });
    await assertions.emitWithArgs(hash, rewards, "RewardRedeemed", [rewardId, member.address, tokenId, 400n]);
    await assertions.emitWithArgs(hash, points, "PointsRedeemed", [member.address, rewardId, 400n]);
    assert.equal(await rewards.read.ownerOf([tokenId]), member.address);
    assert.equal(await points.read.balanceOf([member.address]), 600n);
    assert.equal(await rewards.read.balanceOf([relayer]), 0n);
    assert.equal(await ethOf(member.address), 0n);
  });

  it("the member moves its reward NFT and cancels a voucher nonce, gaslessly", async () => {
    const { rewards, forwarder, rewardId, request } = await withGaslessMember();
    const tokenId = tokenIdOf(rewardId, 1n);
    await forwarder.write.execute([await request(rewards, "redeem", [rewardId])], { account: relayer });
    await assertions.emitWithArgs(
      forwarder.write.execute([await request(rewards, "cancelVoucherNonce", [9n])], { account: relayer }),
      rewards,
      "VoucherNonceCancelled",
      [member.address, 9n],
    );
    assert.equal(await rewards.read.isVoucherNonceUsed([member.address, 9n]), true);
    await forwarder.write.execute([await request(rewards, "transferFrom", [member.address, bob, tokenId])], {
      account: relayer,
    });
    assert.equal(await rewards.read.ownerOf([tokenId]), bob);
  });

  it("a merchant's relayed issue is attributed to the merchant and spends its allowance", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const purchase = ref("relayed order");
    const allowanceBefore = await points.read.issuanceAllowance([merchantA]);
    // A merchant's key is a node account here: it signs with eth_signTypedData_v4.
    const req = await request(points, "issue", [bob, 30n, purchase], { signer: ctx.wallet.merchantA, from: merchantA });
    await assertions.emitWithArgs(forwarder.write.execute([req], { account: relayer }), points, "PointsIssued", [
      merchantA,
      bob,
      purchase,
      30n,
    ]);
    assert.equal(await points.read.issuanceAllowance([merchantA]), allowanceBefore - 30n);
  });

  it("a member's relayed issue is refused: the role check applies to the signer (FailedCall)", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const req = await request(points, "issue", [bob, 30n, ref("fake")]);
    await assertions.revertWithCustomError(forwarder.write.execute([req], { account: relayer }), forwarder, "FailedCall");
    assert.equal(await points.read.balanceOf([bob]), 0n);
    assert.equal(await forwarder.read.nonces([member.address]), 0n, "a failed call does not consume the nonce");
  });

  it("a relayed transfer is stopped by the program pause (FailedCall) and works after unpause", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const req = await request(points, "transfer", [bob, 5n]);
    await points.write.pause();
    await assertions.revertWithCustomError(forwarder.write.execute([req], { account: relayer }), forwarder, "FailedCall");
    await points.write.unpause();
    await forwarder.write.execute([req], { account: relayer });
    assert.equal(await points.read.balanceOf([bob]), 5n);
  });

  describe("the forwarder refuses bad requests", () => {
    it("ERC2771ForwarderInvalidSigner when someone else signed for the member", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const req = await request(points, "transfer", [bob, 1_000n], { signer: impostor });
      assert.equal(await forwarder.read.verify([req]), false);
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([req], { account: relayer }),
        forwarder,
        "ERC2771ForwarderInvalidSigner",
        [impostor.address, member.address],
      );
      assert.equal(await points.read.balanceOf([member.address]), 1_000n);
    });

    it("ERC2771ForwarderInvalidSigner when the relayer tampers with the signed call", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const req = await request(points, "transfer", [bob, 10n]);
      const tampered = { ...req, data: encodeFunctionData({ abi: points.abi, functionName: "transfer", args: [relayer, 1_000n] }) };
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([tampered], { account: relayer }),
        forwarder,
        "ERC2771ForwarderInvalidSigner",
        [anyValue, member.address],
      );
    });

    it("ERC2771ForwarderInvalidSigner when a request is replayed (its nonce is used)", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const req = await request(points, "transfer", [bob, 100n]);
      assert.equal(await forwarder.read.verify([req]), true);
      await forwarder.write.execute([req], { account: relayer });
      assert.equal(await forwarder.read.verify([req]), false);
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([req], { account: relayer }),
        forwarder,
        "ERC2771ForwarderInvalidSigner",
        [anyValue, member.address],
      );
      assert.equal(await points.read.balanceOf([bob]), 100n);
    });

    it("ERC2771ForwarderExpiredRequest after the deadline", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const deadline = (await networkHelpers.time.latest()) + 60;
      const req = await request(points, "transfer", [bob, 1n], { deadline });
      await networkHelpers.time.increase(61);
      assert.equal(await forwarder.read.verify([req]), false);
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([req], { account: relayer }),
        forwarder,
        "ERC2771ForwarderExpiredRequest",
        [deadline],
      );
    });

    it("ERC2771UntrustfulTarget for a contract that does not trust this forwarder", async () => {
      const { forwarder, request } = await withGaslessMember();
      const plain = await viem.deployContract("OzPlainERC20");
      const req = await request(plain, "transfer", [bob, 0n]);
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([req], { account: relayer }),
        forwarder,
        "ERC2771UntrustfulTarget",
        [getAddress(plain.address), getAddress(forwarder.address)],
      );
    });

    it("ERC2771ForwarderMismatchedValue when the relayer does not send the signed value", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const req = await request(points, "transfer", [bob, 1n], { value: 1n });
      await assertions.revertWithCustomErrorWithArgs(
        forwarder.write.execute([req], { account: relayer }),
        forwarder,
        "ERC2771ForwarderMismatchedValue",
        [1n, 0n],
      );
    });

    it("FailedCall when the relayed call reverts (nonce kept for a retry)", async () => {
      const { points, forwarder, request } = await withGaslessMember();
      const req = await request(points, "transfer", [bob, 1_001n]);
      await assertions.revertWithCustomError(forwarder.write.execute([req], { account: relayer }), forwarder, "FailedCall");
      assert.equal(await forwarder.read.nonces([member.address]), 0n);
    });
  });

  it("executeBatch relays several requests of the member in one transaction", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const first = await request(points, "transfer", [bob, 100n]);
    const second = await request(points, "donate", [charity, 50n], { nonce: 1n });
    const hash = await forwarder.write.executeBatch([[first, second], relayer], { account: relayer });
    await assertions.emitWithArgs(hash, points, "PointsDonated", [member.address, charity, 50n]);
    assert.equal(await points.read.balanceOf([member.address]), 850n);
    assert.equal(await forwarder.read.nonces([member.address]), 2n);
  });

  it("executeBatch with a refund receiver skips invalid requests and runs the valid ones", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const forged = await request(points, "transfer", [relayer, 1_000n], { signer: impostor });
    const valid = await request(points, "transfer", [bob, 10n]);
    await forwarder.write.executeBatch([[forged, valid], relayer], { account: relayer });
    assert.equal(await points.read.balanceOf([bob]), 10n);
    assert.equal(await points.read.balanceOf([relayer]), 0n);
  });

  it("executeBatch without a refund receiver reverts as a whole on an invalid request (ERC2771ForwarderInvalidSigner)", async () => {
    const { points, forwarder, request } = await withGaslessMember();
    const valid = await request(points, "transfer", [bob, 10n]);
    const forged = await request(points, "transfer", [relayer, 1_000n], { signer: impostor, nonce: 1n });
    await assertions.revertWithCustomErrorWithArgs(
      forwarder.write.executeBatch([[valid, forged], ZERO_ADDRESS], { account: relayer }),
      forwarder,
      "ERC2771ForwarderInvalidSigner",
      [impostor.address, member.address],
    );
    assert.equal(await points.read.balanceOf([bob]), 0n);
  });

  it("appending an address to calldata only works from the trusted forwarder (no spoofing)", async () => {
    const { points } = await withGaslessMember();
    const data = concat([encodeFunctionData({ abi: points.abi, functionName: "transfer", args: [bob, 500n] }), member.address]);
    const relayerWallet = ctx.wallet.relayer;
    await assertions.revertWithCustomErrorWithArgs(
      relayerWallet.sendTransaction({ to: points.address, data, account: relayerWallet.account }) as never,
      points,
      "ERC20InsufficientBalance",
      [relayer, 0n, 500n],
    );
    assert.equal(await points.read.balanceOf([member.address]), 1_000n);
  });
});
