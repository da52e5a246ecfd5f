/** LoyaltyPoints: inactivity expiry — public, same rule for all, refreshed by any balance movement. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, programContext, ref, YEAR, ZERO_ADDRESS } from "../helpers/program.ts";
import { createReward } from "../helpers/rewards.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, timestampOf } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { merchantA, alice, bob, keeper, charity } = accounts;

/** Alice earned 1 500 points (tier 1) at `issuedAt`. */
async function withActiveMember() {
  const program = await load();
  const hash = await program.points.write.issue([alice, 1_500n, ref("order")], { account: merchantA });
  const issuedAt = await timestampOf(hash);
  return { ...program, issuedAt };
}

describe("LoyaltyPoints — expiry", () => {
  it("expiresAt is the last activity plus the inactivity period; 0 without balance", async () => {
    const { points, issuedAt } = await withActiveMember();
    assert.equal(await points.read.lastActivity([alice]), issuedAt);
    assert.equal(await points.read.expiresAt([alice]), issuedAt + YEAR);
    assert.equal(await points.read.expiresAt([bob]), 0n);
    assert.equal(await points.read.lastActivity([bob]), 0n);
  });

  it("reverts with NotExpirable(member, expiresAt) before the period, up to the last second", async () => {
    const { points, issuedAt } = await withActiveMember();
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([alice], { account: keeper }),
      points,
      "NotExpirable",
      [alice, issuedAt + YEAR],
    );
    await time.increaseTo(issuedAt + YEAR - 10n);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([alice], { account: keeper }),
      points,
      "NotExpirable",
      [alice, issuedAt + YEAR],
    );
    await time.setNextBlockTimestamp(issuedAt + YEAR - 1n);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([alice], { account: keeper, gas: 200_000n }),
      points,
      "NotExpirable",
      [alice, issuedAt + YEAR],
    );
    assert.equal(await points.read.balanceOf([alice]), 1_500n);
  });

  it("after the period anyone may expire the whole balance: burnt, PointsExpired and Transfer emitted", async () => {
    const { points, issuedAt } = await withActiveMember();
    await time.setNextBlockTimestamp(issuedAt + YEAR);
    const hash = await points.write.expire([alice], { account: keeper });
    await assertions.emitWithArgs(hash, points, "PointsExpired", [alice, 1_500n, issuedAt, keeper]);
    await assertions.emitWithArgs(hash, points, "Transfer", [alice, ZERO_ADDRESS, 1_500n]);
    assert.equal(await points.read.balanceOf([alice]), 0n);
    assert.equal(await points.read.totalSupply(), 0n);
    assert.equal(await points.read.expiresAt([alice]), 0n);
  });

  it("returns the expired amount (simulated by a keeper bot)", async () => {
    const { points } = await withActiveMember();
    await time.increase(YEAR + DAY);
    const { result } = await points.simulate.expire([alice], { account: keeper });
    assert.equal(result, 1_500n);
  });

  it("the member itself, the operator or a merchant may call it too", async () => {
    const { points } = await withActiveMember();
    await points.write.issue([bob, 10n, ref("bob")], { account: merchantA });
    await points.write.issue([keeper, 10n, ref("keeper")], { account: merchantA });
    await time.increase(YEAR);
    await assertions.emitWithArgs(points.write.expire([alice], { account: alice }), points, "PointsExpired", [
      alice,
      1_500n,
      (v: unknown) => typeof v === "bigint",
      alice,
    ]);
    await points.write.expire([bob], { account: accounts.operator });
    await points.write.expire([keeper], { account: merchantA });
    assert.equal(await points.read.totalSupply(), 0n);
  });

  it("keeps lifetime earned points (and the tier): only the balance expires", async () => {
    const { points } = await withActiveMember();
    await time.increase(YEAR);
    await points.write.expire([alice], { account: keeper });
    assert.equal(await points.read.lifetimeEarned([alice]), 1_500n);
    assert.equal(await points.read.tierOf([alice]), 1n);
  });

  it("cannot expire twice nor expire an empty account: NotExpirable(member, 0)", async () => {
    const { points } = await withActiveMember();
    await time.increase(YEAR);
    await points.write.expire([alice], { account: keeper });
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([alice], { account: keeper }),
      points,
      "NotExpirable",
      [alice, 0n],
    );
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([bob], { account: keeper }),
      points,
      "NotExpirable",
      [bob, 0n],
    );
  });

  it("is disabled when the operator sets the period to 0, however long the inactivity", async () => {
    const { points } = await withActiveMember();
    await points.write.setInactivityPeriod([0n]);
    assert.equal(await points.read.expiresAt([alice]), 0n);
    await time.increase(10n * YEAR);
    await assertions.revertWithCustomErrorWithArgs(
      points.write.expire([alice], { account: keeper }),
      points,
      "NotExpirable",
      [alice, 0n],
    );
  });

  it("a new period applies at once to members already inactive", async () => {
    const { points, issuedAt } = await withActiveMember();
    await time.increase(31n * DAY);
    await points.write.setInactivityPeriod([30n * DAY]);
    assert.equal(await points.read.expiresAt([alice]), issuedAt + 30n * DAY);
    await points.write.expire([alice], { account: keeper });
    assert.equal(await points.read.balanceOf([alice]), 0n);
  });

  describe("any movement of the balance refreshes the activity", () => {
    const movements: Array<[string, (p: Awaited<ReturnType<typeof withActiveMember>>) => Promise<`0x${string}`>]> = [
      ["sending a transfer", (p) => p.points.write.transfer([bob, 1n], { account: alice })],
      ["receiving a transfer", async (p) => {
        await p.points.write.issue([bob, 5n, ref("bob")], { account: merchantA });
        return p.points.write.transfer([alice, 1n], { account: bob });
      }],
      ["receiving an issuance", (p) => p.points.write.issue([alice, 1n, ref("again")], { account: merchantA })],
      ["a transferFrom by a spender", async (p) => {
        await p.points.write.approve([keeper, 1n], { account: alice });
        return p.points.write.transferFrom([alice, bob, 1n], { account: keeper });
      }],
      ["a donation", (p) => p.points.write.donate([charity, 1n], { account: alice })],
      ["a redemption", async (p) => {
        const rewardId = await createReward(p, merchantA, { cost: 100n });
        return p.rewards.write.redeem([rewardId], { account: alice });
      }],
    ];
    for (const [label, move] of movements) {
      it(label, async () => {
        const program = await withActiveMember();
        const { points, issuedAt } = program;
        await time.increaseTo(issuedAt + YEAR - DAY);
        const movedAt = await timestampOf(await move(program));
        assert.equal(await points.read.lastActivity([alice]), movedAt);
        assert.equal(await points.read.expiresAt([alice]), movedAt + YEAR);
        await time.increaseTo(issuedAt + YEAR + DAY);
        await assertions.revertWithCustomErrorWithArgs(
          points.write.expire([alice], { account: keeper }),
          points,
          "NotExpirable",
          [alice, movedAt + YEAR],
        );
      });
    }

    it("zero-point transfers move nothing and refresh nobody: a stranger cannot keep points alive", async () => {
      const { points, issuedAt } = await withActiveMember();
      await time.increaseTo(issuedAt + YEAR - DAY);
      // transferFrom of 0 needs no allowance: were it activity, anyone could postpone any expiry.
      await points.write.transferFrom([alice, keeper, 0n], { account: keeper });
      await points.write.transfer([alice, 0n], { account: bob });
      assert.equal(await points.read.lastActivity([alice]), issuedAt);
      await time.increaseTo(issuedAt + YEAR);
      await points.write.expire([alice], { account: keeper });
      assert.equal(await points.read.balanceOf([alice]), 0n);
    });

    it("approving a spender is not a balance movement and does not refresh it", async () => {
      const { points, issuedAt } = await withActiveMember();
      await time.increaseTo(issuedAt + YEAR - DAY);
      await points.write.approve([bob, 10n], { account: alice });
      assert.equal(await points.read.lastActivity([alice]), issuedAt);
    });
  });

  it("reverts with EnforcedPause while the program is paused, and works after unpause", async () => {
    const { points } = await withActiveMember();
    await time.increase(YEAR);
    await points.write.pause();
    await assertions.revertWithCustomError(points.write.expire([alice], { account: keeper }), points, "EnforcedPause");
    await points.write.unpause();
    await points.write.expire([alice], { account: keeper });
    assert.equal(await points.read.balanceOf([alice]), 0n);
  });
});
