/**
 * Attacks on the move to self-custody, as two members pooling their tiers, a migrator re-using a
 * consent, or anyone sending value to an account whose key was erased would try them. The
 * properties: an account moves once, to one wallet that holds nothing yet, and nothing of value
 * can reach it afterwards on any path (points or reward tokens).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, type Address } from "viem";
import { DAY, programContext, ref, tokenIdOf } from "../../contracts/helpers/program.ts";
import { Category, createReward } from "../../contracts/helpers/rewards.ts";
import { signAccountMigration, signTokenMigration, type Signer } from "../../contracts/helpers/signatures.ts";
import { MIGRATOR_ROLE, ZERO_ADDRESS } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { operator, merchantA, alice, bob, carol, relayer, keeper, charity, outsider } = accounts;

/**
 * Alice (1,200 earned, tier 1) and bob (800 earned) are custodial members; both hold a soulbound
 * badge. carol and keeper stand for fresh self-custody wallets.
 */
async function withMembers() {
  const program = await ctx.deployProgram();
  await program.points.write.grantRole([MIGRATOR_ROLE, relayer]);
  await program.points.write.issue([alice, 1_200n, ref("alice-1")], { account: merchantA });
  await program.points.write.issue([bob, 800n, ref("bob-1")], { account: merchantA });
  const badgeId = await createReward(program, merchantA, { cost: 0n, mintOnly: true, soulbound: true, category: Category.Badge, supplyCap: 100n });
  const giftId = await createReward(program, merchantA, { cost: 0n, mintOnly: true, supplyCap: 100n });
  await program.rewards.write.mintExclusiveBatch([badgeId, [alice, bob]], { account: merchantA });
  return { ...program, badgeId, giftId, aliceBadge: tokenIdOf(badgeId, 1n), bobBadge: tokenIdOf(badgeId, 2n) };
}
type Program = Awaited<ReturnType<typeof withMembers>>;
const load = () => networkHelpers.loadFixture(withMembers);

async function migrateAccount(p: Program, signer: Signer, from: Address, to: Address) {
  const deadline = BigInt(await time.latest()) + DAY;
  const signature = await signAccountMigration(signer, p.points.address, { from, to, nonce: await p.points.read.nonces([from]), deadline });
  return p.points.write.migrateAccount([from, to, deadline, signature], { account: relayer });
}

async function migrateTokens(p: Program, signer: Signer, from: Address, to: Address, tokenIds: bigint[]) {
  const deadline = BigInt(await time.latest()) + DAY;
  const signature = await signTokenMigration(signer, p.rewards.address, { from, to, tokenIds, nonce: await p.rewards.read.nonces([from]), deadline });
  return p.rewards.write.migrateTokens([from, to, tokenIds, deadline, signature], { account: relayer });
}

describe("adversarial — custody and migration", () => {
  describe("an account moves once", () => {
    it("a second migration of the same account, with a fresh valid consent, reverts with AccountMigratedAway and moves nothing", async () => {
      const p = await load();
      await migrateAccount(p, wallet.alice, alice, carol);
      // Value reaching alice again would be the only reason to move twice; it cannot (see below),
      // and even an empty second move must not re-point her refunds.
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.alice, alice, keeper), p.points, "AccountMigratedAway", [alice, carol]);
      assert.equal(await p.points.read.migratedTo([alice]), carol);
      assert.equal(await p.points.read.lifetimeEarned([carol]), 1_200n);
    });

    it("refunds of older purchases keep following the first move", async () => {
      const p = await load();
      await migrateAccount(p, wallet.alice, alice, carol);
      await assertions.emitWithArgs(p.points.write.clawback([ref("alice-1"), 200n], { account: merchantA }), p.points, "PointsClawedBack", [merchantA, carol, ref("alice-1"), 200n]);
      assert.equal(await p.points.read.lifetimeEarned([carol]), 1_000n);
    });
  });

  describe("no pooling into one wallet", () => {
    it("two members moving into the same wallet: the second is refused (MigrationTargetNotEmpty), so no tier is reached by adding lifetimes", async () => {
      const p = await load();
      await migrateAccount(p, wallet.alice, alice, carol);
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.bob, bob, carol), p.points, "MigrationTargetNotEmpty", [carol]);
      assert.equal(await p.points.read.lifetimeEarned([carol]), 1_200n);
      assert.equal(await p.points.read.tierOf([carol]), 1n);
    });

    it("even two accounts without points (badges only) cannot both move into one wallet", async () => {
      const p = await load();
      // Both give their points away first: nothing left but lifetime... and then not even that.
      await p.points.write.clawback([ref("alice-1"), 1_200n], { account: merchantA });
      await p.points.write.clawback([ref("bob-1"), 800n], { account: merchantA });
      await migrateAccount(p, wallet.alice, alice, carol);
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.bob, bob, carol), p.points, "MigrationTargetNotEmpty", [carol]);
      await migrateTokens(p, wallet.alice, alice, carol, [p.aliceBadge]);
      // bob's soulbound badge cannot follow alice's into carol: bob's account never moved there.
      await assertions.revertWithCustomErrorWithArgs(migrateTokens(p, wallet.bob, bob, carol, [p.bobBadge]), p.rewards, "MigrationTargetMismatch", [bob, ZERO_ADDRESS, carol]);
      assert.equal(await p.rewards.read.balanceOf([carol]), 1n);
    });

    it("a target that holds points, or has lifetime earned without points, is refused", async () => {
      const p = await load();
      await p.points.write.transfer([keeper, 1n], { account: bob });
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.alice, alice, keeper), p.points, "MigrationTargetNotEmpty", [keeper]);
      await p.points.write.issue([outsider, 5n, ref("outsider")], { account: merchantA });
      await p.points.write.transfer([bob, 5n], { account: outsider });
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.alice, alice, outsider), p.points, "MigrationTargetNotEmpty", [outsider]);
      // checkAccountMigration says the same before anything is signed.
      await assertions.revertWithCustomErrorWithArgs(p.points.read.checkAccountMigration([alice, outsider]), p.points, "MigrationTargetNotEmpty", [outsider]);
    });

    it("reward tokens follow the account only: to the wallet it moved to, never before it moved, never elsewhere", async () => {
      const p = await load();
      await assertions.revertWithCustomErrorWithArgs(
        migrateTokens(p, wallet.alice, alice, carol, [p.aliceBadge]),
        p.rewards,
        "MigrationTargetMismatch",
        [alice, ZERO_ADDRESS, carol],
      );
      await migrateAccount(p, wallet.alice, alice, carol);
      await assertions.revertWithCustomErrorWithArgs(migrateTokens(p, wallet.alice, alice, keeper, [p.aliceBadge]), p.rewards, "MigrationTargetMismatch", [alice, carol, keeper]);
      await migrateTokens(p, wallet.alice, alice, carol, [p.aliceBadge]);
      assert.equal(await p.rewards.read.ownerOf([p.aliceBadge]), carol);
    });

    it("a merchant, a charity, the account itself or an account that moved away are no targets", async () => {
      const p = await load();
      for (const [to, error] of [
        [merchantA, "InvalidMigrationTarget"],
        [charity, "InvalidMigrationTarget"],
        [alice, "MigrationToSelf"],
      ] as const) {
        await assertions.revertWithCustomError(migrateAccount(p, wallet.alice, alice, to), p.points, error);
      }
      await migrateAccount(p, wallet.bob, bob, keeper);
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.alice, alice, bob), p.points, "InvalidMigrationTarget", [bob]);
    });
  });

  describe("nothing of value reaches an account that moved away", () => {
    async function moved() {
      const p = await load();
      await migrateAccount(p, wallet.alice, alice, carol);
      return p;
    }

    it("points: issue, issueFor, issueBatch, transfer, transferFrom all revert with AccountMigratedAway", async () => {
      const p = await moved();
      await p.points.write.setIssuingAgent([relayer, true], { account: merchantA });
      await p.points.write.approve([outsider, 10n], { account: bob });
      for (const write of [
        () => p.points.write.issue([alice, 1n, ref("late")], { account: merchantA }),
        () => p.points.write.issueFor([merchantA, alice, 1n, ref("late-agent")], { account: relayer }),
        () => p.points.write.issueBatch([[bob, alice], [1n, 1n], ref("late-campaign")], { account: merchantA }),
        () => p.points.write.transfer([alice, 1n], { account: bob }),
        () => p.points.write.transferFrom([bob, alice, 1n], { account: outsider }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), p.points, "AccountMigratedAway", [alice, carol]);
      }
      assert.equal(await p.points.read.balanceOf([alice]), 0n);
      // A zero-point transfer carries no value: it stays a no-op, as for any account.
      await p.points.write.transfer([alice, 0n], { account: bob });
    });

    it("a charity that moved away receives no donation", async () => {
      const p = await load();
      await migrateAccount(p, wallet.charity, charity, keeper);
      await assertions.revertWithCustomErrorWithArgs(p.points.write.donate([charity, 1n], { account: bob }), p.points, "AccountMigratedAway", [charity, keeper]);
    });

    it("reward tokens: mintExclusive, mintExclusiveBatch, transferFrom, safeTransferFrom and a free redemption all revert", async () => {
      const p = await moved();
      await p.rewards.write.mintExclusive([p.giftId, bob], { account: merchantA });
      const bobsGift = tokenIdOf(p.giftId, 1n);
      const freeId = await createReward(p, merchantA, { cost: 0n });
      for (const write of [
        () => p.rewards.write.mintExclusive([p.giftId, alice], { account: merchantA }),
        () => p.rewards.write.mintExclusiveBatch([p.giftId, [bob, alice]], { account: merchantA }),
        () => p.rewards.write.transferFrom([bob, alice, bobsGift], { account: bob }),
        () => p.rewards.write.safeTransferFrom([bob, alice, bobsGift], { account: bob }),
        () => p.rewards.write.redeem([freeId], { account: alice }),
      ]) {
        await assertions.revertWithCustomErrorWithArgs(write(), p.rewards, "AccountMigratedAway", [alice, carol]);
      }
      assert.equal(await p.rewards.read.ownerOf([bobsGift]), bob);
    });
  });

  describe("the consent cannot be abused", () => {
    it("a smart-wallet member whose ERC-1271 check tries to act (transfer its points) gets no valid consent: the check runs in a static call", async () => {
      const p = await load();
      const hostile = await viem.deployContract("ReentrantERC1271Wallet", [bob]);
      await p.points.write.issue([hostile.address, 50n, ref("hostile")], { account: merchantA });
      // From inside its signature check, the wallet tries to send its points to the outsider.
      await hostile.write.arm([p.points.address, encodeFunctionData({ abi: p.points.abi, functionName: "transfer", args: [outsider, 50n] })]);
      await assertions.revertWithCustomErrorWithArgs(migrateAccount(p, wallet.bob, hostile.address, keeper), p.points, "InvalidMigrationSignature", [hostile.address]);
      assert.equal(await p.points.read.balanceOf([hostile.address]), 50n);
      assert.equal(await hostile.read.attempts(), 0n);
    });

    it("only the migrator moves accounts, also when an outsider appends the migrator's address to the calldata", async () => {
      const p = await load();
      const deadline = BigInt(await time.latest()) + DAY;
      const signature = await signAccountMigration(wallet.alice, p.points.address, { from: alice, to: carol, nonce: 0n, deadline });
      const data = encodeFunctionData({ abi: p.points.abi, functionName: "migrateAccount", args: [alice, carol, deadline, signature] });
      await assert.rejects(wallet.outsider.sendTransaction({ to: p.points.address, data: `${data}${relayer.slice(2)}`, gas: 400_000n }));
      await assertions.revertWithCustomError(p.points.write.migrateAccount([alice, carol, deadline, signature], { account: operator }), p.points, "AccessControlUnauthorizedAccount");
      assert.equal(await p.points.read.migratedTo([alice]), ZERO_ADDRESS);
    });
  });
});
