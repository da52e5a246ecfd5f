/** LoyaltyPoints: donations, the reward catalog's burn hook, and the emergency pause. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { programContext, ref, ZERO_ADDRESS } from "../helpers/program.ts";

const ctx = await programContext();
const { viem, accounts, load } = ctx;
const { assertions } = viem;
const { merchantA, alice, bob, keeper, charity, outsider } = accounts;

async function withMember() {
  const program = await load();
  await program.points.write.issue([alice, 500n, ref("order")], { account: merchantA });
  return program;
}

describe("LoyaltyPoints — members", () => {
  describe("donate", () => {
    it("moves the points to a registered charity and emits PointsDonated and Transfer", async () => {
      const { points } = await withMember();
      const hash = await points.write.donate([charity, 120n], { account: alice });
      await assertions.emitWithArgs(hash, points, "PointsDonated", [alice, charity, 120n]);
      await assertions.emitWithArgs(hash, points, "Transfer", [alice, charity, 120n]);
      assert.equal(await points.read.balanceOf([alice]), 380n);
      assert.equal(await points.read.balanceOf([charity]), 120n);
      assert.equal(await points.read.totalSupply(), 500n);
    });

    it("reverts with UnknownCharity for an account that is not a registered charity", async () => {
      const { points } = await withMember();
      for (const target of [bob, ZERO_ADDRESS]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.donate([target, 1n], { account: alice }),
          points,
          "UnknownCharity",
          [target],
        );
      }
    });

    it("reverts with ZeroAmount for a zero amount", async () => {
      const { points } = await withMember();
      await assertions.revertWithCustomError(points.write.donate([charity, 0n], { account: alice }), points, "ZeroAmount");
    });

    it("reverts with ERC20InsufficientBalance beyond the member's balance", async () => {
      const { points } = await withMember();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.donate([charity, 501n], { account: alice }),
        points,
        "ERC20InsufficientBalance",
        [alice, 500n, 501n],
      );
    });
  });

  describe("burnForRedemption", () => {
    it("reverts with AccessControlUnauthorizedAccount for anyone but REDEEMER_ROLE (operator, merchant, the member)", async () => {
      const { points, roles } = await withMember();
      for (const caller of [accounts.operator, merchantA, alice]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.burnForRedemption([alice, 10n, 1n], { account: caller }),
          points,
          "AccessControlUnauthorizedAccount",
          [caller, roles.redeemer],
        );
      }
      assert.equal(await points.read.balanceOf([alice]), 500n);
    });

    describe("called by a holder of REDEEMER_ROLE", () => {
      async function withRedeemer() {
        const program = await withMember();
        await program.points.write.grantRole([program.roles.redeemer, keeper]);
        return program;
      }

      it("burns the member's points and emits PointsRedeemed and Transfer; the tier is kept", async () => {
        const { points } = await withRedeemer();
        const hash = await points.write.burnForRedemption([alice, 200n, 7n], { account: keeper });
        await assertions.emitWithArgs(hash, points, "PointsRedeemed", [alice, 7n, 200n]);
        await assertions.emitWithArgs(hash, points, "Transfer", [alice, ZERO_ADDRESS, 200n]);
        assert.equal(await points.read.balanceOf([alice]), 300n);
        assert.equal(await points.read.totalSupply(), 300n);
        assert.equal(await points.read.lifetimeEarned([alice]), 500n);
      });

      it("reverts with ZeroAmount for a zero amount", async () => {
        const { points } = await withRedeemer();
        await assertions.revertWithCustomError(
          points.write.burnForRedemption([alice, 0n, 1n], { account: keeper }),
          points,
          "ZeroAmount",
        );
      });

      it("reverts with ERC20InsufficientBalance beyond the balance", async () => {
        const { points } = await withRedeemer();
        await assertions.revertWithCustomErrorWithArgs(
          points.write.burnForRedemption([alice, 501n, 1n], { account: keeper }),
          points,
          "ERC20InsufficientBalance",
          [alice, 500n, 501n],
        );
      });

      it("reverts with ERC20InvalidSender for the zero address", async () => {
        const { points } = await withRedeemer();
        await assertions.revertWithCustomErrorWithArgs(
          points.write.burnForRedemption([ZERO_ADDRESS, 1n, 1n], { account: keeper }),
          points,
          "ERC20InvalidSender",
          [ZERO_ADDRESS],
        );
      });
    });
  });

  describe("pause", () => {
    async function paused() {
      const program = await withMember();
      await program.points.write.approve([bob, 100n], { account: alice });
      await program.points.write.pause();
      return program;
    }

    it("stops transfers, transferFrom, donations, issuance, campaigns and clawbacks with EnforcedPause", async () => {
      const { points } = await paused();
      const attempts = [
        () => points.write.transfer([bob, 1n], { account: alice }),
        () => points.write.transferFrom([alice, bob, 1n], { account: bob }),
        () => points.write.donate([charity, 1n], { account: alice }),
        () => points.write.issue([bob, 1n, ref("paused issue")], { account: merchantA }),
        () => points.write.issueBatch([[bob], [1n], ref("paused batch")], { account: merchantA }),
        () => points.write.clawback([ref("order"), 1n], { account: merchantA }),
      ];
      for (const attempt of attempts) {
        await assertions.revertWithCustomError(attempt(), points, "EnforcedPause");
      }
      assert.equal(await points.read.balanceOf([alice]), 500n);
    });

    it("stops approvals too: a spender lined up during the emergency could act the instant it ends", async () => {
      const { points } = await paused();
      await assertions.revertWithCustomError(points.write.approve([outsider, 3n], { account: alice }), points, "EnforcedPause");
      assert.equal(await points.read.allowance([alice, outsider]), 0n);
    });

    it("unpause restores transfers, donations, issuance and clawbacks", async () => {
      const { points } = await paused();
      await points.write.unpause();
      await points.write.transfer([bob, 1n], { account: alice });
      await points.write.transferFrom([alice, bob, 1n], { account: bob });
      await points.write.donate([charity, 1n], { account: alice });
      await points.write.issue([bob, 1n, ref("after pause")], { account: merchantA });
      await points.write.issueBatch([[bob], [1n], ref("after pause batch")], { account: merchantA });
      await points.write.clawback([ref("order"), 1n], { account: merchantA });
      assert.equal(await points.read.balanceOf([alice]), 496n);
      assert.equal(await points.read.balanceOf([bob]), 4n);
    });
  });
});
