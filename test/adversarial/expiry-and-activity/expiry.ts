/**
 * Attacks on the expiry rule: keeping one's own balance alive forever for the price of a
 * self-transfer, or expiring what members gave to a charity. The properties: only a real balance
 * change between two accounts is activity; a registered charity's points never expire.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, programContext, ref, YEAR } from "../../contracts/helpers/program.ts";

const ctx = await programContext();
const { viem, accounts, load, networkHelpers, timestampOf } = ctx;
const { assertions } = viem;
const { time } = networkHelpers;
const { operator, merchantA, alice, bob, keeper, charity } = accounts;

describe("adversarial — expiry and activity", () => {
  it("a self-transfer (1 point, or all of them) is no activity: the balance still expires on time", async () => {
    const { points } = await load();
    const issuedAt = await timestampOf(await points.write.issue([alice, 300n, ref("alice")], { account: merchantA }));
    await time.increase(YEAR - 10n * DAY);
    await points.write.transfer([alice, 1n], { account: alice });
    await points.write.transfer([alice, 300n], { account: alice });
    assert.equal(await points.read.lastActivity([alice]), issuedAt);
    assert.equal(await points.read.expiresAt([alice]), issuedAt + YEAR);
    await time.increaseTo(issuedAt + YEAR);
    await assertions.emitWithArgs(points.write.expire([alice], { account: keeper }), points, "PointsExpired", [alice, 300n, issuedAt, keeper]);
  });

  it("nor is a transferFrom of the owner to itself through a spender", async () => {
    const { points } = await load();
    const issuedAt = await timestampOf(await points.write.issue([alice, 300n, ref("alice")], { account: merchantA }));
    await points.write.approve([bob, 50n], { account: alice });
    await time.increase(DAY);
    await points.write.transferFrom([alice, alice, 50n], { account: bob });
    assert.equal(await points.read.lastActivity([alice]), issuedAt);
    assert.equal(await points.read.balanceOf([alice]), 300n);
    // The spender did spend its allowance: the call happened, it just moved nothing.
    assert.equal(await points.read.allowance([alice, bob]), 0n);
  });

  it("a self-transfer above the balance still reverts (ERC20InsufficientBalance)", async () => {
    const { points } = await load();
    await points.write.issue([alice, 3n, ref("alice")], { account: merchantA });
    await assertions.revertWithCustomErrorWithArgs(points.write.transfer([alice, 4n], { account: alice }), points, "ERC20InsufficientBalance", [alice, 3n, 4n]);
  });

  it("a registered charity's donations never expire: expiresAt is 0 and expire reverts with NotExpirable", async () => {
    const { points } = await load();
    await points.write.issue([alice, 500n, ref("alice")], { account: merchantA });
    await points.write.donate([charity, 200n], { account: alice });
    await time.increase(3n * YEAR);
    assert.equal(await points.read.expiresAt([charity]), 0n);
    await assertions.revertWithCustomErrorWithArgs(points.write.expire([charity], { account: keeper }), points, "NotExpirable", [charity, 0n]);
    assert.equal(await points.read.balanceOf([charity]), 200n);
    // The donor's own rest expires as usual.
    await points.write.expire([alice], { account: keeper });
    assert.equal(await points.read.balanceOf([alice]), 0n);
  });

  it("a removed charity is an ordinary account again: its points expire after its own inactivity", async () => {
    const { points } = await load();
    await points.write.issue([alice, 500n, ref("alice")], { account: merchantA });
    const donatedAt = await timestampOf(await points.write.donate([charity, 200n], { account: alice }));
    await points.write.removeCharity([charity], { account: operator });
    assert.equal(await points.read.expiresAt([charity]), donatedAt + YEAR);
    await time.increaseTo(donatedAt + YEAR);
    await assertions.emitWithArgs(points.write.expire([charity], { account: bob }), points, "PointsExpired", [charity, 200n, donatedAt, bob]);
  });
});
