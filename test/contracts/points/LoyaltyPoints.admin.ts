/** LoyaltyPoints: what the operator does (merchants, allowances, tiers, expiry rule, charities, pause, roles). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, toFunctionSelector } from "viem";
import {
  MERCHANT_ALLOWANCE,
  programContext,
  ref,
  TIER_THRESHOLDS,
  TOKEN_NAME,
  TOKEN_SYMBOL,
  YEAR,
  ZERO_ADDRESS,
} from "../helpers/program.ts";
import { issuePoints } from "../helpers/rewards.ts";

const ctx = await programContext();
const { viem, accounts, load } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice, bob, keeper, charity, outsider } = accounts;

describe("LoyaltyPoints — operator", () => {
  describe("deployment", () => {
    it("gives the operator DEFAULT_ADMIN_ROLE and PAUSER_ROLE, and trusts the forwarder", async () => {
      const { points, forwarder, roles } = await load();
      assert.equal(await points.read.hasRole([roles.admin, operator]), true);
      assert.equal(await points.read.hasRole([roles.pauser, operator]), true);
      assert.equal(await points.read.hasRole([roles.merchant, operator]), false);
      assert.equal(getAddress(await points.read.trustedForwarder()), getAddress(forwarder.address));
      assert.equal(await points.read.isTrustedForwarder([forwarder.address]), true);
      assert.equal(await points.read.isTrustedForwarder([outsider]), false);
      assert.equal(await points.read.totalSupply(), 0n);
      assert.equal(await points.read.MAX_TIERS(), 16n);
    });

    it("reverts with InvalidAccount when the operator is the zero address", async () => {
      const { points, forwarder } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("LoyaltyPoints", [TOKEN_NAME, TOKEN_SYMBOL, ZERO_ADDRESS, forwarder.address]) as never,
        points,
        "InvalidAccount",
        [ZERO_ADDRESS],
      );
    });

    it("supports ERC-165, IAccessControl and ILoyaltyPoints", async () => {
      const { points } = await load();
      const loyaltyInterfaceId = [
        "tierOf(address)",
        "lifetimeEarned(address)",
        "lastActivity(address)",
        "burnForRedemption(address,uint256,uint256)",
      ]
        .map((signature) => BigInt(toFunctionSelector(signature)))
        .reduce((a, b) => a ^ b);
      assert.equal(await points.read.supportsInterface([`0x${loyaltyInterfaceId.toString(16).padStart(8, "0")}`]), true);
      assert.equal(await points.read.supportsInterface(["0x01ffc9a7"]), true);
      assert.equal(await points.read.supportsInterface(["0x7965db0b"]), true);
      assert.equal(await points.read.supportsInterface(["0xffffffff"]), false);
    });
  });

  describe("onboardMerchant", () => {
    it("grants MERCHANT_ROLE, sets the allowance and emits MerchantOnboarded, IssuanceAllowanceSet, RoleGranted", async () => {
      const { points, roles } = await load();
      const hash = await points.write.onboardMerchant([keeper, "Fromagerie Lefèvre", 500n]);
      await assertions.emitWithArgs(hash, points, "MerchantOnboarded", [keeper, "Fromagerie Lefèvre", 500n]);
      await assertions.emitWithArgs(hash, points, "IssuanceAllowanceSet", [keeper, 0n, 500n]);
      await assertions.emitWithArgs(hash, points, "RoleGranted", [roles.merchant, keeper, operator]);
      assert.equal(await points.read.hasRole([roles.merchant, keeper]), true);
      assert.equal(await points.read.issuanceAllowance([keeper]), 500n);
      // The new merchant can issue right away.
      await points.write.issue([alice, 500n, ref("new merchant")], { account: keeper });
      assert.equal(await points.read.balanceOf([alice]), 500n);
    });

    it("reverts with InvalidAccount for the zero address", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.onboardMerchant([ZERO_ADDRESS, "Nobody", 1n]),
        points,
        "InvalidAccount",
        [ZERO_ADDRESS],
      );
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone but the operator (even a merchant)", async () => {
      const { points, roles } = await load();
      for (const caller of [merchantA, outsider]) {
        await assertions.revertWithCustomErrorWithArgs(
          points.write.onboardMerchant([keeper, "Sneaky", 1n], { account: caller }),
          points,
          "AccessControlUnauthorizedAccount",
          [caller, roles.admin],
        );
      }
    });
  });

  describe("offboardMerchant", () => {
    it("revokes the role and the allowance, emits MerchantOffboarded; issued points stay with members", async () => {
      const { points, roles } = await load();
      await points.write.issue([alice, 40n, ref("before offboarding")], { account: merchantA });
      const hash = await points.write.offboardMerchant([merchantA]);
      await assertions.emitWithArgs(hash, points, "MerchantOffboarded", [merchantA]);
      await assertions.emitWithArgs(hash, points, "IssuanceAllowanceSet", [merchantA, MERCHANT_ALLOWANCE - 40n, 0n]);
      await assertions.emitWithArgs(hash, points, "RoleRevoked", [roles.merchant, merchantA, operator]);
      assert.equal(await points.read.hasRole([roles.merchant, merchantA]), false);
      assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
      assert.equal(await points.read.balanceOf([alice]), 40n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([alice, 1n, ref("after offboarding")], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.merchant],
      );
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone but the operator", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.offboardMerchant([merchantB], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
    });
  });

  describe("setIssuanceAllowance / increaseIssuanceAllowance", () => {
    it("setIssuanceAllowance replaces the remaining allowance and emits IssuanceAllowanceSet", async () => {
      const { points } = await load();
      await points.write.issue([alice, 100n, ref("spend some")], { account: merchantA });
      await assertions.emitWithArgs(
        points.write.setIssuanceAllowance([merchantA, 50n]),
        points,
        "IssuanceAllowanceSet",
        [merchantA, MERCHANT_ALLOWANCE - 100n, 50n],
      );
      assert.equal(await points.read.issuanceAllowance([merchantA]), 50n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.issue([alice, 51n, ref("over the new allowance")], { account: merchantA }),
        points,
        "IssuanceAllowanceExceeded",
        [merchantA, 50n, 51n],
      );
    });

    it("increaseIssuanceAllowance adds to what remains (what was spent stays spent)", async () => {
      const { points } = await load();
      await points.write.setIssuanceAllowance([merchantA, 100n]);
      await points.write.issue([alice, 70n, ref("spend 70")], { account: merchantA });
      await assertions.emitWithArgs(
        points.write.increaseIssuanceAllowance([merchantA, 25n]),
        points,
        "IssuanceAllowanceSet",
        [merchantA, 30n, 55n],
      );
      assert.equal(await points.read.issuanceAllowance([merchantA]), 55n);
    });

    it("both revert with AccessControlUnauthorizedAccount for anyone but the operator (a merchant cannot raise its own)", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.setIssuanceAllowance([merchantA, 10n ** 9n], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.increaseIssuanceAllowance([merchantA, 1n], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
    });
  });

  describe("setTierThresholds", () => {
    it("stores ascending thresholds, emits TierThresholdsSet, and tiers follow at once", async () => {
      const program = await load();
      const { points } = program;
      await issuePoints(ctx, program, alice, 150n);
      assert.deepEqual(await points.read.tierThresholds(), TIER_THRESHOLDS);
      assert.equal(await points.read.tierOf([alice]), 0n);
      await assertions.emitWithArgs(points.write.setTierThresholds([[100n, 150n, 151n]]), points, "TierThresholdsSet", [
        [100n, 150n, 151n],
      ]);
      assert.deepEqual(await points.read.tierThresholds(), [100n, 150n, 151n]);
      assert.equal(await points.read.tierOf([alice]), 2n);
    });

    it("accepts an empty list (everyone in the base tier) and exactly MAX_TIERS thresholds", async () => {
      const program = await load();
      const { points } = program;
      await issuePoints(ctx, program, alice, 5_000n);
      await points.write.setTierThresholds([[]]);
      assert.equal(await points.read.tierOf([alice]), 0n);
      const sixteen = Array.from({ length: 16 }, (_, i) => BigInt(i + 1) * 10n);
      await points.write.setTierThresholds([sixteen]);
      assert.equal(await points.read.tierOf([alice]), 16n);
    });

    const invalid: Array<[string, bigint[]]> = [
      ["a zero first threshold", [0n, 10n]],
      ["two equal thresholds", [10n, 10n]],
      ["descending thresholds", [10n, 20n, 15n]],
      ["more than MAX_TIERS thresholds", Array.from({ length: 17 }, (_, i) => BigInt(i + 1))],
    ];
    for (const [label, thresholds] of invalid) {
      it(`reverts with InvalidTierThresholds for ${label}`, async () => {
        const { points } = await load();
        await assertions.revertWithCustomError(points.write.setTierThresholds([thresholds]), points, "InvalidTierThresholds");
        assert.deepEqual(await points.read.tierThresholds(), TIER_THRESHOLDS);
      });
    }

    it("reverts with AccessControlUnauthorizedAccount for anyone but the operator", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.setTierThresholds([[1n]], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
    });
  });

  describe("setInactivityPeriod", () => {
    it("emits InactivityPeriodSet with the previous and the new period", async () => {
      const { points } = await load();
      await assertions.emitWithArgs(points.write.setInactivityPeriod([30n]), points, "InactivityPeriodSet", [YEAR, 30n]);
      assert.equal(await points.read.inactivityPeriod(), 30n);
    });

    it("reverts with AccessControlUnauthorizedAccount for anyone but the operator", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.setInactivityPeriod([1n], { account: keeper }),
        points,
        "AccessControlUnauthorizedAccount",
        [keeper, roles.admin],
      );
    });
  });

  describe("registerCharity / removeCharity", () => {
    it("registerCharity makes an account a donation target and emits CharityRegistered", async () => {
      const { points } = await load();
      assert.equal(await points.read.isCharity([bob]), false);
      await assertions.emitWithArgs(points.write.registerCharity([bob, "Secours populaire"]), points, "CharityRegistered", [
        bob,
        "Secours populaire",
      ]);
      assert.equal(await points.read.isCharity([bob]), true);
    });

    it("registerCharity reverts with InvalidAccount for the zero address", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.registerCharity([ZERO_ADDRESS, "Void"]),
        points,
        "InvalidAccount",
        [ZERO_ADDRESS],
      );
    });

    it("removeCharity stops donations, emits CharityRemoved, and the charity keeps its points", async () => {
      const program = await load();
      const { points } = program;
      await issuePoints(ctx, program, alice, 10n);
      await points.write.donate([charity, 4n], { account: alice });
      await assertions.emitWithArgs(points.write.removeCharity([charity]), points, "CharityRemoved", [charity]);
      assert.equal(await points.read.isCharity([charity]), false);
      assert.equal(await points.read.balanceOf([charity]), 4n);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.donate([charity, 1n], { account: alice }),
        points,
        "UnknownCharity",
        [charity],
      );
    });

    it("removeCharity reverts with UnknownCharity for an account that is not a charity", async () => {
      const { points } = await load();
      await assertions.revertWithCustomErrorWithArgs(points.write.removeCharity([bob]), points, "UnknownCharity", [bob]);
    });

    it("both revert with AccessControlUnauthorizedAccount for anyone but the operator", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.registerCharity([bob, "Me"], { account: bob }),
        points,
        "AccessControlUnauthorizedAccount",
        [bob, roles.admin],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.removeCharity([charity], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
    });
  });

  describe("pause / unpause", () => {
    it("the operator pauses (Paused) and unpauses (Unpaused)", async () => {
      const { points } = await load();
      await assertions.emitWithArgs(points.write.pause(), points, "Paused", [operator]);
      assert.equal(await points.read.paused(), true);
      await assertions.emitWithArgs(points.write.unpause(), points, "Unpaused", [operator]);
      assert.equal(await points.read.paused(), false);
    });

    it("pause reverts with EnforcedPause when already paused, unpause with ExpectedPause when not", async () => {
      const { points } = await load();
      await assertions.revertWithCustomError(points.write.unpause(), points, "ExpectedPause");
      await points.write.pause();
      await assertions.revertWithCustomError(points.write.pause(), points, "EnforcedPause");
    });

    it("both revert with AccessControlUnauthorizedAccount without PAUSER_ROLE", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.pause({ account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.pauser],
      );
      await points.write.pause();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.unpause({ account: alice }),
        points,
        "AccessControlUnauthorizedAccount",
        [alice, roles.pauser],
      );
    });

    it("a pauser granted by the operator can pause without being an admin", async () => {
      const { points, roles } = await load();
      await points.write.grantRole([roles.pauser, keeper]);
      await points.write.pause({ account: keeper });
      assert.equal(await points.read.paused(), true);
      await assertions.revertWithCustomErrorWithArgs(
        points.write.setInactivityPeriod([0n], { account: keeper }),
        points,
        "AccessControlUnauthorizedAccount",
        [keeper, roles.admin],
      );
    });
  });

  describe("roles (AccessControl)", () => {
    it("REDEEMER_ROLE is held by the reward catalog only", async () => {
      const { points, rewards, roles } = await load();
      assert.equal(await points.read.hasRole([roles.redeemer, rewards.address]), true);
      for (const account of [operator, merchantA, alice]) {
        assert.equal(await points.read.hasRole([roles.redeemer, account]), false);
      }
      assert.equal(await points.read.getRoleAdmin([roles.merchant]), roles.admin);
      assert.equal(await points.read.getRoleAdmin([roles.redeemer]), roles.admin);
    });

    it("a merchant cannot grant roles (AccessControlUnauthorizedAccount), not even REDEEMER_ROLE to itself", async () => {
      const { points, roles } = await load();
      await assertions.revertWithCustomErrorWithArgs(
        points.write.grantRole([roles.redeemer, merchantA], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
      await assertions.revertWithCustomErrorWithArgs(
        points.write.grantRole([roles.merchant, bob], { account: merchantA }),
        points,
        "AccessControlUnauthorizedAccount",
        [merchantA, roles.admin],
      );
    });

    it("the operator revokes a role (RoleRevoked); renounceRole needs the caller's own address", async () => {
      const { points, roles } = await load();
      await assertions.emitWithArgs(points.write.revokeRole([roles.merchant, merchantB]), points, "RoleRevoked", [
        roles.merchant,
        merchantB,
        operator,
      ]);
      assert.equal(await points.read.hasRole([roles.merchant, merchantB]), false);
      await assertions.revertWithCustomError(
        points.write.renounceRole([roles.merchant, merchantB], { account: merchantA }),
        points,
        "AccessControlBadConfirmation",
      );
      await points.write.renounceRole([roles.merchant, merchantA], { account: merchantA });
      assert.equal(await points.read.hasRole([roles.merchant, merchantA]), false);
    });
  });
});
