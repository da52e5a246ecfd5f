/**
 * RewardNFT: token migration. The migrator (the relayer, holding the points contract's
 * MIGRATOR_ROLE) moves a custodial member's listed tokens, soulbound badges included, to the
 * member's own wallet, only with the member's EIP-712 consent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, parseEventLogs, type Address } from "viem";
import { DAY, programContext, tokenIdOf, ZERO_ADDRESS } from "../helpers/program.ts";
import { Category, createReward, issuePoints } from "../helpers/rewards.ts";
import { signAccountMigration, signTokenMigration, signVoucher, type Signer, type TokenMigration } from "../helpers/signatures.ts";
import { tokenIdsHash } from "../../../contracts/typed-data.ts";
import { MIGRATOR_ROLE } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { merchantA, merchantB, alice, bob, carol, relayer, charity, outsider } = accounts;

/** Moves `from`'s points account to `to` (migrateAccount): the step that fixes where its tokens may go. */
async function moveAccount(points: { address: Address; read: { nonces: (args: readonly [Address]) => Promise<bigint> }; write: any }, signer: Signer, from: Address, to: Address) {
  const deadline = BigInt(await time.latest()) + DAY;
  const signature = await signAccountMigration(signer, points.address, { from, to, nonce: await points.read.nonces([from]), deadline });
  await points.write.migrateAccount([from, to, deadline, signature], { account: relayer });
}

/**
 * Alice holds a redeemed croissant (#1 of reward 1) and a soulbound badge (#1 of reward 2); bob a
 * croissant. Alice's points account already moved to carol, as the move to self-custody does first.
 */
async function withTokens() {
  const program = await ctx.deployProgram();
  const migratorRole = MIGRATOR_ROLE;
  await program.points.write.grantRole([migratorRole, relayer]);
  const croissantId = await createReward(program, merchantA, { cost: 100n });
  const badgeId = await createReward(program, merchantA, {
    cost: 0n,
    mintOnly: true,
    soulbound: true,
    category: Category.Badge,
  });
  await issuePoints(ctx, program, alice, 500n);
  await issuePoints(ctx, program, bob, 500n);
  await program.rewards.write.redeem([croissantId], { account: alice });
  await program.rewards.write.redeem([croissantId], { account: bob });
  await program.rewards.write.mintExclusive([badgeId, alice], { account: merchantA });
  await moveAccount(program.points, wallet.alice, alice, carol);
  const croissant = tokenIdOf(croissantId, 1n);
  const bobsCroissant = tokenIdOf(croissantId, 2n);
  const badge = tokenIdOf(badgeId, 1n);
  return { ...program, migratorRole, croissant, bobsCroissant, badge };
}
const load = () => networkHelpers.loadFixture(withTokens);

async function consent(
  rewards: { read: { nonces: (args: readonly [Address]) => Promise<bigint> } },
  tokenIds: readonly bigint[],
  overrides: Partial<TokenMigration> = {},
): Promise<TokenMigration> {
  return {
    from: alice,
    to: carol,
    tokenIds,
    nonce: await rewards.read.nonces([overrides.from ?? alice]),
    deadline: BigInt(await time.latest()) + DAY,
    ...overrides,
  };
}

describe("RewardNFT — token migration", () => {
  it("moves every listed token, soulbound included: a Transfer each, then TokensMigrated; consumes the nonce", async () => {
    const { rewards, croissant, badge } = await load();
    const message = await consent(rewards, [croissant, badge]);
    const signature = await signTokenMigration(wallet.alice, rewards.address, message);
    const hash = await rewards.write.migrateTokens([alice, carol, [croissant, badge], message.deadline, signature], {
      account: relayer,
    });
    await assertions.emitWithArgs(hash, rewards, "Transfer", [alice, carol, croissant]);
    await assertions.emitWithArgs(hash, rewards, "Transfer", [alice, carol, badge]);
    await assertions.emitWithArgs(hash, rewards, "TokensMigrated", [alice, carol, 2n]);
    const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
    const names = parseEventLogs({ abi: rewards.abi, logs: receipt.logs }).map((log) => log.eventName);
    assert.deepEqual(names, ["Transfer", "Transfer", "TokensMigrated"]);
    assert.equal(await rewards.read.ownerOf([croissant]), carol);
    assert.equal(await rewards.read.ownerOf([badge]), carol);
    assert.equal(await rewards.read.balanceOf([alice]), 0n);
    assert.equal(await rewards.read.balanceOf([carol]), 2n);
    assert.equal(await rewards.read.nonces([alice]), 1n);
  });

  it("the badge stays soulbound for its new holder, and a consumed voucher stays consumed", async () => {
    const { rewards, croissant, badge } = await load();
    const deadline = BigInt(await time.latest()) + DAY;
    const voucher = { tokenId: croissant, holder: alice, merchant: merchantA, nonce: 1n, deadline };
    await rewards.write.consumeVoucher(
      [croissant, 1n, deadline, await signVoucher(wallet.alice, rewards.address, voucher)],
      { account: merchantA },
    );
    const message = await consent(rewards, [croissant, badge]);
    await rewards.write.migrateTokens(
      [alice, carol, [croissant, badge], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
      { account: relayer },
    );
    assert.equal(await rewards.read.isConsumed([croissant]), true);
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.transferFrom([carol, bob, badge], { account: carol }),
      rewards,
      "SoulboundToken",
      [badge],
    );
  });

  it("only what was listed and signed: an unlisted token stays", async () => {
    const { rewards, croissant, badge } = await load();
    const message = await consent(rewards, [badge]);
    await rewards.write.migrateTokens(
      [alice, carol, [badge], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
      { account: relayer },
    );
    assert.equal(await rewards.read.ownerOf([croissant]), alice);
    assert.equal(await rewards.read.ownerOf([badge]), carol);
  });

  it("accepts the consent of a smart-contract wallet (ERC-1271) and refuses a stranger's for it", async () => {
    const program = await load();
    const { rewards, croissant } = program;
    const smartWallet = await viem.deployContract("ERC1271WalletMock", [bob]);
    await rewards.write.transferFrom([alice, smartWallet.address, croissant], { account: alice });
    await moveAccount(program.points, wallet.bob, smartWallet.address, outsider);
    const message = await consent(rewards, [croissant], { from: smartWallet.address, to: outsider });
    await assertions.revertWithCustomErrorWithArgs(
      rewards.write.migrateTokens(
        [smartWallet.address, outsider, [croissant], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
        { account: relayer },
      ),
      rewards,
      "InvalidMigrationSignature",
      [smartWallet.address],
    );
    await rewards.write.migrateTokens(
      [smartWallet.address, outsider, [croissant], message.deadline, await signTokenMigration(wallet.bob, rewards.address, message)],
      { account: relayer },
    );
    assert.equal(await rewards.read.ownerOf([croissant]), outsider);
  });

  describe("ownership", () => {
    it("reverts with ERC721IncorrectOwner when a listed token is not from's (another member's), and moves nothing", async () => {
      const { rewards, croissant, bobsCroissant } = await load();
      const ids = [croissant, bobsCroissant];
      const message = await consent(rewards, ids);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens(
          [alice, carol, ids, message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
          { account: relayer },
        ),
        rewards,
        "ERC721IncorrectOwner",
        [alice, bobsCroissant, bob],
      );
      assert.equal(await rewards.read.ownerOf([croissant]), alice);
      assert.equal(await rewards.read.ownerOf([bobsCroissant]), bob);
    });

    it("reverts with ERC721NonexistentToken for a token never minted, ERC721IncorrectOwner for a repeated id", async () => {
      const { rewards, croissant } = await load();
      const ghost = tokenIdOf(1n, 99n);
      const message = await consent(rewards, [croissant, ghost]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens(
          [alice, carol, [croissant, ghost], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
          { account: relayer },
        ),
        rewards,
        "ERC721NonexistentToken",
        [ghost],
      );
      const twice = await consent(rewards, [croissant, croissant]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens(
          [alice, carol, [croissant, croissant], twice.deadline, await signTokenMigration(wallet.alice, rewards.address, twice)],
          { account: relayer },
        ),
        rewards,
        "ERC721IncorrectOwner",
        [alice, croissant, carol],
      );
    });

    it("reverts with EmptyMigration for an empty list", async () => {
      const { rewards } = await load();
      const message = await consent(rewards, []);
      await assertions.revertWithCustomError(
        rewards.write.migrateTokens(
          [alice, carol, [], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
          { account: relayer },
        ),
        rewards,
        "EmptyMigration",
      );
    });
  });

  describe("signature", () => {
    it("a replay reverts with InvalidMigrationSignature (the nonce was consumed)", async () => {
      const { rewards, croissant } = await load();
      const message = await consent(rewards, [croissant]);
      const signature = await signTokenMigration(wallet.alice, rewards.address, message);
      await rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account: relayer });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account: relayer }),
        rewards,
        "InvalidMigrationSignature",
        [alice],
      );
    });

    it("reverts with InvalidMigrationSignature for another signer, other tokens or another order than signed", async () => {
      const { rewards, croissant, badge } = await load();
      const message = await consent(rewards, [croissant, badge]);
      const byBob = await signTokenMigration(wallet.bob, rewards.address, message);
      const byAlice = await signTokenMigration(wallet.alice, rewards.address, message);
      for (const [to, ids, signature] of [
        [carol, [croissant, badge], byBob],
        [carol, [badge, croissant], byAlice],
        [carol, [croissant], byAlice],
      ] as const) {
        await assertions.revertWithCustomErrorWithArgs(
          rewards.write.migrateTokens([alice, to, [...ids], message.deadline, signature], { account: relayer }),
          rewards,
          "InvalidMigrationSignature",
          [alice],
        );
      }
    });

    it("reverts with MigrationSignatureExpired after the deadline", async () => {
      const { rewards, croissant } = await load();
      const message = await consent(rewards, [croissant]);
      const signature = await signTokenMigration(wallet.alice, rewards.address, message);
      await time.setNextBlockTimestamp(message.deadline + 1n);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account: relayer }),
        rewards,
        "MigrationSignatureExpired",
        [message.deadline],
      );
    });

    it("tokenIdsHash is keccak256 of the ids as packed 32-byte words, in order", () => {
      // abi.encodePacked(uint256[]) written out: one 32-byte word per id, no length prefix.
      const packed = `0x${"1".padStart(64, "0")}${"2".padStart(64, "0")}` as const;
      assert.equal(tokenIdsHash([1n, 2n]), keccak256(packed));
      assert.notEqual(tokenIdsHash([1n, 2n]), tokenIdsHash([2n, 1n]));
    });
  });

  describe("who and where", () => {
    it("reverts with NotMigrator for anyone without the points contract's MIGRATOR_ROLE, the holder included", async () => {
      const { rewards, croissant } = await load();
      const message = await consent(rewards, [croissant]);
      const signature = await signTokenMigration(wallet.alice, rewards.address, message);
      for (const account of [alice, carol, accounts.operator, merchantA]) {
        await assertions.revertWithCustomErrorWithArgs(
          rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account }),
          rewards,
          "NotMigrator",
          [account],
        );
      }
    });

    it("reads the role live from the points contract: revoked there, refused here", async () => {
      const { rewards, points, migratorRole, croissant } = await load();
      await points.write.revokeRole([migratorRole, relayer]);
      const message = await consent(rewards, [croissant]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens(
          [alice, carol, [croissant], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
          { account: relayer },
        ),
        rewards,
        "NotMigrator",
        [relayer],
      );
    });

    it("the tokens follow the points account: MigrationTargetMismatch for any other target (itself, zero, a merchant, a charity, another wallet), or before the account moved", async () => {
      const { rewards, croissant, bobsCroissant } = await load();
      for (const to of [alice, ZERO_ADDRESS, merchantB, charity, bob, outsider]) {
        const message = await consent(rewards, [croissant], { to });
        await assertions.revertWithCustomErrorWithArgs(
          rewards.write.migrateTokens(
            [alice, to, [croissant], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)],
            { account: relayer },
          ),
          rewards,
          "MigrationTargetMismatch",
          [alice, carol, to],
        );
      }
      const bobs = await consent(rewards, [bobsCroissant], { from: bob, to: outsider });
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens([bob, outsider, [bobsCroissant], bobs.deadline, await signTokenMigration(wallet.bob, rewards.address, bobs)], { account: relayer }),
        rewards,
        "MigrationTargetMismatch",
        [bob, ZERO_ADDRESS, outsider],
      );
    });

    it("still applies the points contract's target rule where the account went: InvalidMigrationTarget once carol became a merchant", async () => {
      const { rewards, points, croissant } = await load();
      await points.write.onboardMerchant([carol, "Carol's shop", 1n]);
      const message = await consent(rewards, [croissant]);
      await assertions.revertWithCustomErrorWithArgs(
        rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, await signTokenMigration(wallet.alice, rewards.address, message)], { account: relayer }),
        rewards,
        "InvalidMigrationTarget",
        [carol],
      );
    });

    it("is blocked while the program is paused (EnforcedPause)", async () => {
      const { rewards, points, croissant } = await load();
      const message = await consent(rewards, [croissant]);
      const signature = await signTokenMigration(wallet.alice, rewards.address, message);
      await points.write.pause();
      await assertions.revertWithCustomError(
        rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account: relayer }),
        rewards,
        "EnforcedPause",
      );
      await points.write.unpause();
      await rewards.write.migrateTokens([alice, carol, [croissant], message.deadline, signature], { account: relayer });
      assert.equal(await rewards.read.ownerOf([croissant]), carol);
    });
  });
});
