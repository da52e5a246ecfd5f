/**
 * LoyaltyPoints: account migration. The migrator (the relayer) moves a custodial member's whole
 * account (balance, lifetime earned points hence tier, last activity) to the member's own wallet,
 * only with the member's EIP-712 consent.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEventLogs, type Address } from "viem";
import { DAY, programContext, ref, YEAR, ZERO_ADDRESS } from "../helpers/program.ts";
import { signAccountMigration, signPermit, type AccountMigration } from "../helpers/signatures.ts";
import { MIGRATOR_ROLE } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers, timestampOf } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { merchantA, merchantB, alice, bob, carol, relayer, charity, outsider } = accounts;

/** The program with MIGRATOR_ROLE granted to the relayer and alice in tier 1 (1,200 earned, 700 held). */
async function withMigrator() {
  const program = await ctx.deployProgram();
  const migratorRole = MIGRATOR_ROLE;
  await program.points.write.grantRole([migratorRole, relayer]);
  await program.points.write.issue([alice, 1_200n, ref("alice-purchase")], { account: merchantA });
  await program.points.write.transfer([bob, 500n], { account: alice });
  return { ...program, migratorRole };
}
const load = () => networkHelpers.loadFixture(withMigrator);

/** A consent of `from` (alice by default) to move to carol, with its current nonce, valid for a day. */
async function consent(
  points: { read: { nonces: (args: readonly [Address]) => Promise<bigint> } },
  overrides: Partial<AccountMigration> = {},
): Promise<AccountMigration> {
  return {
    from: alice,
    to: carol,
    nonce: await points.read.nonces([overrides.from ?? alice]),
    deadline: BigInt(await time.latest()) + DAY,
    ...overrides,
  };
}

describe("LoyaltyPoints — account migration", () => {
  it("moves balance, lifetime earned (the tier follows) and activity; emits Transfer then AccountMigrated; consumes the nonce", async () => {
    const { points } = await load();
    const message = await consent(points);
    const signature = await signAccountMigration(wallet.alice, points.address, message);
    const supply = await points.read.totalSupply();
    assert.equal(await points.read.tierOf([alice]), 1n);

    const hash = await points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer });
    await assertions.emitWithArgs(hash, points, "Transfer", [alice, carol, 700n]);
    await assertions.emitWithArgs(hash, points, "AccountMigrated", [alice, carol, 700n, 1_200n]);
    // The indexer applies logs in order: the balance moves before the lifetime does.
    const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
    const names = parseEventLogs({ abi: points.abi, logs: receipt.logs }).map((log) => log.eventName);
    assert.deepEqual(names, ["Transfer", "AccountMigrated"]);

    assert.equal(await points.read.balanceOf([alice]), 0n);
    assert.equal(await points.read.balanceOf([carol]), 700n);
    assert.equal(await points.read.lifetimeEarned([alice]), 0n);
    assert.equal(await points.read.lifetimeEarned([carol]), 1_200n);
    assert.equal(await points.read.tierOf([alice]), 0n);
    assert.equal(await points.read.tierOf([carol]), 1n);
    assert.equal(await points.read.lastActivity([carol]), await timestampOf(hash));
    assert.equal(await points.read.totalSupply(), supply);
    assert.equal(await points.read.nonces([alice]), 1n);
    assert.equal(await points.read.migratedTo([alice]), carol);
  });

  it("refuses a target that already earned points (MigrationTargetNotEmpty): no tier by pooling", async () => {
    const { points } = await load();
    await points.write.issue([carol, 4_000n, ref("carol-purchase")], { account: merchantB });
    const message = await consent(points);
    const signature = await signAccountMigration(wallet.alice, points.address, message);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer }),
      points,
      "MigrationTargetNotEmpty",
      [carol],
    );
    assert.equal(await points.read.lifetimeEarned([carol]), 4_000n);
    assert.equal(await points.read.lifetimeEarned([alice]), 1_200n);
  });

  it("a target that once held points but has neither points nor lifetime now is fresh: its later activity is kept", async () => {
    const { points } = await load();
    await points.write.transfer([carol, 10n], { account: bob });
    const carolActivity = await points.read.lastActivity([carol]);
    await points.write.transfer([bob, 10n], { account: carol });
    const message = await consent(points);
    const signature = await signAccountMigration(wallet.alice, points.address, message);
    await points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer });
    assert.equal(await points.read.lifetimeEarned([carol]), 1_200n);
    assert.ok((await points.read.lastActivity([carol])) >= carolActivity);
    assert.equal(await points.read.migratedFrom([carol]), alice);
  });

  it("an account with lifetime earned but no points still migrates: no Transfer, its activity carried over", async () => {
    const { points } = await load();
    await points.write.transfer([bob, 700n], { account: alice });
    const aliceActivity = await points.read.lastActivity([alice]);
    const message = await consent(points);
    const signature = await signAccountMigration(wallet.alice, points.address, message);
    const hash = await points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer });
    await assertions.emitWithArgs(hash, points, "AccountMigrated", [alice, carol, 0n, 1_200n]);
    assert.deepEqual(await ctx.eventsOf(hash, points, "Transfer"), []);
    assert.equal(await points.read.lifetimeEarned([carol]), 1_200n);
    assert.equal(await points.read.tierOf([carol]), 1n);
    assert.equal(await points.read.lastActivity([carol]), aliceActivity);
  });

  it("accepts the consent of a smart-contract wallet (ERC-1271) and refuses a stranger's for it", async () => {
    const { points } = await load();
    const smartWallet = await viem.deployContract("ERC1271WalletMock", [bob]);
    await points.write.issue([smartWallet.address, 80n, ref("wallet-purchase")], { account: merchantA });
    const message = await consent(points, { from: smartWallet.address });
    const byStranger = await signAccountMigration(wallet.alice, points.address, message);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.migrateAccount([smartWallet.address, carol, message.deadline, byStranger], { account: relayer }),
      points,
      "InvalidMigrationSignature",
      [smartWallet.address],
    );
    const byOwner = await signAccountMigration(wallet.bob, points.address, message);
    await assertions.emitWithArgs(
      points.write.migrateAccount([smartWallet.address, carol, message.deadline, byOwner], { account: relayer }),
      points,
      "AccountMigrated",
      [smartWallet.address, carol, 80n, 80n],
    );
  });

  describe("signature", () => {
    it("a replay reverts: the account already moved (AccountMigratedAway); a consent whose nonce a permit used is dead (InvalidMigrationSignature)", async () => {
      const { points } = await load();
      const message = await consent(points);
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      await points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer }),
        points,
        "AccountMigratedAway",
        [alice, carol],
      );
      // bob signs a consent, then a permit with the same nonce is used first.
      const bobs = await consent(points, { from: bob, to: outsider });
      const bobsSignature = await signAccountMigration(wallet.bob, points.address, bobs);
      const permit = await signPermit(wallet.bob, points.address, { owner: bob, spender: carol, value: 1n, nonce: bobs.nonce, deadline: bobs.deadline });
      await points.write.permit([bob, carol, 1n, bobs.deadline, permit.v, permit.r, permit.s]);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([bob, outsider, bobs.deadline, bobsSignature], { account: relayer }),
        points,
        "InvalidMigrationSignature",
        [bob],
      );
    });

    it("reverts with InvalidMigrationSignature for another signer, another target or another deadline than signed", async () => {
      const { points } = await load();
      const message = await consent(points);
      const byBob = await signAccountMigration(wallet.bob, points.address, message);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, carol, message.deadline, byBob], { account: relayer }),
        points,
        "InvalidMigrationSignature",
        [alice],
      );
      const byAlice = await signAccountMigration(wallet.alice, points.address, message);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, outsider, message.deadline, byAlice], { account: relayer }),
        points,
        "InvalidMigrationSignature",
        [alice],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, carol, message.deadline + 1n, byAlice], { account: relayer }),
        points,
        "InvalidMigrationSignature",
        [alice],
      );
      const otherDomain = await signAccountMigration(wallet.alice, points.address, message, "Other Points");
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, carol, message.deadline, otherDomain], { account: relayer }),
        points,
        "InvalidMigrationSignature",
        [alice],
      );
      assert.equal(await points.read.balanceOf([alice]), 700n);
    });

    it("is valid up to its deadline included, then reverts with MigrationSignatureExpired", async () => {
      const { points } = await load();
      const message = await consent(points);
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      await time.setNextBlockTimestamp(message.deadline + 1n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer }),
        points,
        "MigrationSignatureExpired",
        [message.deadline],
      );
      const fresh = await consent(points, { deadline: BigInt(await time.latest()) + 10n });
      const freshSignature = await signAccountMigration(wallet.alice, points.address, fresh);
      await time.setNextBlockTimestamp(fresh.deadline);
      await points.write.migrateAccount([alice, carol, fresh.deadline, freshSignature], { account: relayer });
      assert.equal(await points.read.balanceOf([carol]), 700n);
    });

    it("shares the permit nonce: a migration invalidates an outstanding permit signature", async () => {
      const { points } = await load();
      const deadline = BigInt(await time.latest()) + DAY;
      const permit = await signPermit(wallet.alice, points.address, { owner: alice, spender: bob, value: 10n, nonce: 0n, deadline });
      const message = await consent(points, { deadline });
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      await points.write.migrateAccount([alice, carol, deadline, signature], { account: relayer });
      await assertions.revertWithCustomError(
        points.write.permit([alice, bob, 10n, deadline, permit.v, permit.r, permit.s]),
        points,
        "ERC2612InvalidSigner",
      );
    });
  });

  describe("who and where", () => {
    it("reverts with AccessControlUnauthorizedAccount for anyone without MIGRATOR_ROLE, the member and the operator included", async () => {
      const { points, migratorRole } = await load();
      const message = await consent(points);
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      for (const account of [alice, carol, accounts.operator, merchantA]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.migrateAccount([alice, carol, message.deadline, signature], { account }),
          points,
          "AccessControlUnauthorizedAccount",
          [account, migratorRole],
        );
      }
    });

    it("reverts with MigrationToSelf when to is from", async () => {
      const { points } = await load();
      const message = await consent(points, { to: alice });
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount([alice, alice, message.deadline, signature], { account: relayer }),
        points,
        "MigrationToSelf",
        [alice],
      );
    });

    it("reverts with InvalidMigrationTarget for the zero address, a merchant or a charity", async () => {
      const { points } = await load();
      for (const to of [ZERO_ADDRESS, merchantB, charity]) {
        const message = await consent(points, { to });
        const signature = await signAccountMigration(wallet.alice, points.address, message);
        await assertions.revertWithCustomErrorWithArgs(
          points.write.migrateAccount([alice, to, message.deadline, signature], { account: relayer }),
          points,
          "InvalidMigrationTarget",
          [to],
        );
      }
    });

    it("is blocked while paused (EnforcedPause)", async () => {
      const { points } = await load();
      const message = await consent(points);
      const signature = await signAccountMigration(wallet.alice, points.address, message);
      await points.write.pause();
      await assertions.revertWithCustomError(
        points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer }),
        points,
        "EnforcedPause",
      );
      await points.write.unpause();
      await points.write.migrateAccount([alice, carol, message.deadline, signature], { account: relayer });
    });
  });

  describe("after a migration", () => {
    it("a refund claws back from the account the points moved to, and PointsClawedBack names it", async () => {
      const { points } = await load();
      const purchase = ref("alice-later");
      await points.write.issue([alice, 300n, purchase], { account: merchantA });
      const message = await consent(points);
      await points.write.migrateAccount(
        [alice, carol, message.deadline, await signAccountMigration(wallet.alice, points.address, message)],
        { account: relayer },
      );
      const hash = await points.write.clawback([purchase, 300n], { account: merchantA });
      await assertions.emitWithArgs(hash, points, "PointsClawedBack", [merchantA, carol, purchase, 300n]);
      assert.equal(await points.read.balanceOf([carol]), 700n);
      assert.equal(await points.read.lifetimeEarned([carol]), 1_200n);
    });

    it("follows a chain of migrations; an account that moved away is refused as a target (InvalidMigrationTarget), so no cycle forms", async () => {
      const { points } = await load();
      const purchase = ref("chain");
      await points.write.issue([alice, 50n, purchase], { account: merchantA });
      const there = await consent(points);
      await points.write.migrateAccount(
        [alice, carol, there.deadline, await signAccountMigration(wallet.alice, points.address, there)],
        { account: relayer },
      );
      const back = await consent(points, { from: carol, to: alice });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.migrateAccount(
          [carol, alice, back.deadline, await signAccountMigration(wallet.carol, points.address, back)],
          { account: relayer },
        ),
        points,
        "InvalidMigrationTarget",
        [alice],
      );
      const onward = await consent(points, { from: carol, to: outsider });
      await points.write.migrateAccount(
        [carol, outsider, onward.deadline, await signAccountMigration(wallet.carol, points.address, onward)],
        { account: relayer },
      );
      assert.equal(await points.read.migratedTo([alice]), carol);
      assert.equal(await points.read.migratedTo([carol]), outsider);
      await assertions.emitWithArgs(
        points.write.clawback([purchase, 50n], { account: merchantA }),
        points,
        "PointsClawedBack",
        [merchantA, outsider, purchase, 50n],
      );
      assert.equal(await points.read.balanceOf([outsider]), 700n);
    });

    it("the old account can no longer receive points (AccountMigratedAway): a purchase, directly or through an agent, a campaign, a transfer", async () => {
      const { points } = await load();
      const message = await consent(points);
      await points.write.migrateAccount(
        [alice, carol, message.deadline, await signAccountMigration(wallet.alice, points.address, message)],
        { account: relayer },
      );
      await points.write.setIssuingAgent([relayer, true], { account: merchantA });
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([alice, 10n, ref("after-move")], { account: merchantA }),
        points,
        "AccountMigratedAway",
        [alice, carol],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueFor([merchantA, alice, 10n, ref("after-move")], { account: relayer }),
        points,
        "AccountMigratedAway",
        [alice, carol],
      );
      // Its key is gone: whatever reached it would be lost.
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issueBatch([[alice], [5n], ref("campaign")], { account: merchantA }),
        points,
        "AccountMigratedAway",
        [alice, carol],
      );
      await assertions.revertWithCustomErrorWithArgs(points.write.transfer([alice, 1n], { account: bob }), points, "AccountMigratedAway", [alice, carol]);
      assert.equal(await points.read.balanceOf([alice]), 0n);
    });

    it("the old account has nothing left to expire; the new one expires on the migrated activity clock", async () => {
      const { points } = await load();
      const message = await consent(points);
      const hash = await points.write.migrateAccount(
        [alice, carol, message.deadline, await signAccountMigration(wallet.alice, points.address, message)],
        { account: relayer },
      );
      assert.equal(await points.read.expiresAt([alice]), 0n);
      assert.equal(await points.read.expiresAt([carol]), (await timestampOf(hash)) + YEAR);
    });
  });
});
