/** LoyaltyPoints: ERC-2612 permit (EIP-712 domain = token name, version "1"). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anyValue } from "@nomicfoundation/hardhat-viem-assertions/predicates";
import { getAddress, hashDomain, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { programContext, ref, TOKEN_NAME } from "../helpers/program.ts";
import { CHAIN_ID, signPermit } from "../helpers/signatures.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, publicClient } = ctx;
const { assertions } = viem;
const { merchantA, bob, relayer } = accounts;

/** A custodial member: a local key, no ETH. */
const member = privateKeyToAccount(keccak256(toHex("permit member")));
const impostor = privateKeyToAccount(keccak256(toHex("impostor")));

async function withMember() {
  const program = await load();
  await program.points.write.issue([member.address, 300n, ref("order")], { account: merchantA });
  const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
  return { ...program, deadline };
}

describe("LoyaltyPoints — permit (ERC-2612)", () => {
  it("exposes the EIP-712 domain: token name, version 1, this chain and contract", async () => {
    const { points } = await load();
    const [, name, version, chainId, verifyingContract] = await points.read.eip712Domain();
    assert.equal(name, TOKEN_NAME);
    assert.equal(version, "1");
    assert.equal(chainId, BigInt(CHAIN_ID));
    assert.equal(getAddress(verifyingContract), getAddress(points.address));
    assert.equal(
      await points.read.DOMAIN_SEPARATOR(),
      hashDomain({
        domain: { name: TOKEN_NAME, version: "1", chainId: BigInt(CHAIN_ID), verifyingContract: points.address },
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

  it("a valid permit, relayed by someone else, sets the allowance, emits Approval and uses the nonce", async () => {
    const { points, deadline } = await withMember();
    assert.equal(await points.read.nonces([member.address]), 0n);
    const { v, r, s } = await signPermit(member, points.address, {
      owner: member.address,
      spender: bob,
      value: 120n,
      nonce: 0n,
      deadline,
    });
    await assertions.emitWithArgs(
      points.write.permit([member.address, bob, 120n, deadline, v, r, s], { account: relayer }),
      points,
      "Approval",
      [member.address, bob, 120n],
    );
    assert.equal(await points.read.allowance([member.address, bob]), 120n);
    assert.equal(await points.read.nonces([member.address]), 1n);
    // The spender uses it; the member never needed ETH.
    await points.write.transferFrom([member.address, bob, 120n], { account: bob });
    assert.equal(await points.read.balanceOf([bob]), 120n);
    assert.equal(await publicClient.getBalance({ address: member.address }), 0n);
  });

  it("reverts with ERC2612ExpiredSignature after the deadline", async () => {
    const { points } = await withMember();
    const deadline = BigInt(await networkHelpers.time.latest()) + 60n;
    const { v, r, s } = await signPermit(member, points.address, {
      owner: member.address,
      spender: bob,
      value: 1n,
      nonce: 0n,
      deadline,
    });
    await networkHelpers.time.increase(61);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.permit([member.address, bob, 1n, deadline, v, r, s], { account: relayer }),
      points,
      "ERC2612ExpiredSignature",
      [deadline],
    );
  });

  it("reverts with ERC2612InvalidSigner when signed by someone other than the owner", async () => {
    const { points, deadline } = await withMember();
    const { v, r, s } = await signPermit(impostor, points.address, {
      owner: member.address,
      spender: bob,
      value: 300n,
      nonce: 0n,
      deadline,
    });
    await assertions.revertWithCustomErrorWithArgs(
      points.write.permit([member.address, bob, 300n, deadline, v, r, s], { account: relayer }),
      points,
      "ERC2612InvalidSigner",
      [impostor.address, member.address],
    );
  });

  it("reverts with ERC2612InvalidSigner when the signed value differs from the submitted one", async () => {
    const { points, deadline } = await withMember();
    const { v, r, s } = await signPermit(member, points.address, {
      owner: member.address,
      spender: bob,
      value: 1n,
      nonce: 0n,
      deadline,
    });
    await assertions.revertWithCustomErrorWithArgs(
      points.write.permit([member.address, bob, 300n, deadline, v, r, s], { account: relayer }),
      points,
      "ERC2612InvalidSigner",
      [(signer: unknown) => getAddress(signer as string) !== member.address, member.address],
    );
  });

  it("reverts with ERC2612InvalidSigner when a used permit is replayed (nonce consumed)", async () => {
    const { points, deadline } = await withMember();
    const { v, r, s } = await signPermit(member, points.address, {
      owner: member.address,
      spender: bob,
      value: 50n,
      nonce: 0n,
      deadline,
    });
    await points.write.permit([member.address, bob, 50n, deadline, v, r, s], { account: relayer });
    await points.write.transferFrom([member.address, bob, 50n], { account: bob });
    await assertions.revertWithCustomErrorWithArgs(
      points.write.permit([member.address, bob, 50n, deadline, v, r, s], { account: relayer }),
      points,
      "ERC2612InvalidSigner",
      [anyValue, member.address],
    );
    assert.equal(await points.read.allowance([member.address, bob]), 0n);
  });

  it("reverts with ECDSAInvalidSignature for an unrecoverable signature", async () => {
    const { points, deadline } = await withMember();
    const { r, s } = await signPermit(member, points.address, {
      owner: member.address,
      spender: bob,
      value: 1n,
      nonce: 0n,
      deadline,
    });
    await assertions.revertWithCustomError(
      points.write.permit([member.address, bob, 1n, deadline, 29, r, s], { account: relayer }),
      points,
      "ECDSAInvalidSignature",
    );
  });

  it("reverts with ERC2612InvalidSigner for a permit signed for another token's domain", async () => {
    const { points, deadline } = await withMember();
    const { v, r, s } = await signPermit(
      member,
      points.address,
      { owner: member.address, spender: bob, value: 1n, nonce: 0n, deadline },
      "Another Token",
    );
    await assertions.revertWithCustomErrorWithArgs(
      points.write.permit([member.address, bob, 1n, deadline, v, r, s], { account: relayer }),
      points,
      "ERC2612InvalidSigner",
      [anyValue, member.address],
    );
  });
});
