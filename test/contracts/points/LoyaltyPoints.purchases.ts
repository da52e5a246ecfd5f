/**
 * LoyaltyPoints: batched purchases (issuePurchases, issuePurchasesFor). Each entry issues exactly as
 * `issue` would (its own ref, events per purchase), and an entry that cannot issue is skipped with
 * its reason instead of sinking the batch.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, parseEventLogs, type Abi, type Address, type Hash, type Hex } from "viem";
import { DAY, MERCHANT_ALLOWANCE, programContext, ref, ZERO_ADDRESS } from "../helpers/program.ts";
import { signAccountMigration } from "../helpers/signatures.ts";
import { MIGRATOR_ROLE, PURCHASE_SKIP_REASONS, type PurchaseSkipReason } from "../../../contracts/spec/index.ts";

const ctx = await programContext();
const { viem, accounts, wallet, networkHelpers, publicClient } = ctx;
const { assertions } = viem;
const { operator, merchantA, merchantB, alice, bob, carol, relayer, outsider } = accounts;

type Purchase = { member: Address; amount: bigint; ref: Hex };
const purchase = (member: Address, amount: bigint, label: string): Purchase => ({ member, amount, ref: ref(label) });

/** The program with the relayer as merchant A's agent and as migrator; alice and bob already hold points. */
async function withAgent() {
  const program = await ctx.deployProgram();
  await program.points.write.setIssuingAgent([relayer, true], { account: merchantA });
  await program.points.write.grantRole([MIGRATOR_ROLE, relayer]);
  await program.points.write.issue([alice, 100n, ref("seed-alice")], { account: merchantA });
  await program.points.write.issue([bob, 100n, ref("seed-bob")], { account: merchantA });
  return program;
}
const load = () => networkHelpers.loadFixture(withAgent);

/** The program's events of one transaction, in log order. */
async function logsOf(hash: Hash, abi: Abi) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const logs = parseEventLogs({ abi, logs: receipt.logs }) as unknown as { eventName: string; args: Record<string, unknown> }[];
  return logs.map((log) => ({ name: log.eventName, args: log.args }));
}
const skipped = (logs: Awaited<ReturnType<typeof logsOf>>) =>
  logs.filter((l) => l.name === "PurchaseSkipped").map((l) => ({ ref: l.args.ref as Hex, reason: PURCHASE_SKIP_REASONS[Number(l.args.reason)] }));

describe("LoyaltyPoints — batched purchases", () => {
  it("issues every purchase as issue would: Transfer then PointsIssued per purchase, one ref each, the allowance spent by the total", async () => {
    const { points } = await load();
    const batch = [purchase(alice, 10n, "order-1"), purchase(bob, 20n, "order-2"), purchase(carol, 30n, "order-3")];
    const supply = await points.read.totalSupply();
    const hash = await points.write.issuePurchasesFor([merchantA, batch], { account: relayer });
    const logs = await logsOf(hash, points.abi);
    assert.deepEqual(logs.map((l) => l.name), ["Transfer", "PointsIssued", "Transfer", "PointsIssued", "Transfer", "PointsIssued"]);
    for (const [i, p] of batch.entries()) {
      assert.deepEqual(logs[2 * i].args, { from: ZERO_ADDRESS, to: p.member, value: p.amount });
      assert.deepEqual(logs[2 * i + 1].args, { merchant: merchantA, member: p.member, ref: p.ref, amount: p.amount });
      const record = await points.read.issuanceOf([merchantA, p.ref]);
      assert.deepEqual(record, { merchant: merchantA, amount: p.amount, member: p.member, clawedBack: 0n });
    }
    assert.equal(await points.read.balanceOf([alice]), 110n);
    assert.equal(await points.read.lifetimeEarned([bob]), 120n);
    assert.equal(await points.read.balanceOf([carol]), 30n);
    assert.equal(await points.read.totalSupply(), supply + 60n);
    assert.equal(await points.read.issuanceAllowance([merchantA]), MERCHANT_ALLOWANCE - 200n - 60n);
    const block = await publicClient.getBlock();
    assert.equal(await points.read.lastActivity([carol]), block.timestamp);
  });

  it("a batched purchase is refunded like any other: clawback of its ref from its member", async () => {
    const { points } = await load();
    await points.write.issuePurchases([[purchase(alice, 40n, "order-r"), purchase(bob, 5n, "order-s")]], { account: merchantA });
    await assertions.emitWithArgs(points.write.clawbackFor([merchantA, ref("order-r"), 15n], { account: relayer }), points, "PointsClawedBack", [merchantA, alice, ref("order-r"), 15n]);
    assert.equal(await points.read.balanceOf([alice]), 125n);
    assert.equal((await points.read.issuanceOf([merchantA, ref("order-r")])).clawedBack, 15n);
    await assertions.revertWithCustomErrorWithArgs(points.write.clawback([ref("order-r"), 26n], { account: merchantA }), points, "ClawbackExceedsIssuance", [ref("order-r"), 25n, 26n]);
  });

  it("skips what cannot issue, with its reason, and issues the rest: zero amount, invalid member, too large, used ref, exhausted allowance", async () => {
    const { points } = await load();
    await points.write.setIssuanceAllowance([merchantA, 1_000n]);
    const batch = [
      purchase(alice, 0n, "zero"),
      purchase(ZERO_ADDRESS, 5n, "nobody"),
      purchase(merchantA, 5n, "self"),
      purchase(alice, 2n ** 96n, "huge"),
      purchase(alice, 5n, "seed-alice"), // used by an earlier issue
      purchase(alice, 600n, "big-1"),
      purchase(bob, 500n, "big-2"), // 400 left: exhausted
      purchase(bob, 300n, "small"), // still fits
      purchase(carol, 1n, "small"), // the same ref again in this batch
      purchase(carol, 100n, "last"), // exactly what is left
    ];
    const hash = await points.write.issuePurchases([batch], { account: merchantA });
    const logs = await logsOf(hash, points.abi);
    const expected: [string, PurchaseSkipReason][] = [
      ["zero", "ZeroAmount"],
      ["nobody", "InvalidMember"],
      ["self", "InvalidMember"],
      ["huge", "AmountOutOfRange"],
      ["seed-alice", "RefAlreadyUsed"],
      ["big-2", "AllowanceExhausted"],
      ["small", "RefAlreadyUsed"],
    ];
    assert.deepEqual(skipped(logs), expected.map(([label, reason]) => ({ ref: ref(label), reason })));
    for (const l of logs.filter((l) => l.name === "PurchaseSkipped")) assert.equal(l.args.merchant, merchantA);
    const issued = logs.filter((l) => l.name === "PointsIssued").map((l) => [l.args.ref, l.args.member, l.args.amount]);
    assert.deepEqual(issued, [[ref("big-1"), alice, 600n], [ref("small"), bob, 300n], [ref("last"), carol, 100n]]);
    assert.equal(await points.read.issuanceAllowance([merchantA]), 0n);
    assert.equal(await points.read.balanceOf([alice]), 700n);
    assert.equal(await points.read.balanceOf([bob]), 400n);
    assert.equal(await points.read.balanceOf([carol]), 100n);
    // A skipped ref stays free (except a used one, which keeps its first issuance).
    assert.equal((await points.read.issuanceOf([merchantA, ref("big-2")])).merchant, ZERO_ADDRESS);
    assert.equal((await points.read.issuanceOf([merchantA, ref("small")])).member, bob);
    assert.equal((await points.read.issuanceOf([merchantA, ref("seed-alice")])).amount, 100n);
    assert.equal(await points.read.balanceOf([merchantA]), 0n);
  });

  it("skips a member whose account migrated away (MemberMigratedAway); the account it moved to may still earn", async () => {
    const { points } = await load();
    const deadline = BigInt(await networkHelpers.time.latest()) + DAY;
    const message = { from: alice, to: outsider, nonce: await points.read.nonces([alice]), deadline };
    const signature = await signAccountMigration(wallet.alice, points.address, message);
    await points.write.migrateAccount([alice, outsider, deadline, signature], { account: relayer });
    const hash = await points.write.issuePurchasesFor([merchantA, [purchase(alice, 10n, "to-old"), purchase(outsider, 10n, "to-new")]], { account: relayer });
    assert.deepEqual(skipped(await logsOf(hash, points.abi)), [{ ref: ref("to-old"), reason: "MemberMigratedAway" }]);
    assert.equal(await points.read.balanceOf([alice]), 0n);
    assert.equal(await points.read.balanceOf([outsider]), 110n);
  });

  it("a retried batch issues nothing twice: every ref is skipped as RefAlreadyUsed and no state changes", async () => {
    const { points } = await load();
    const batch = [purchase(alice, 10n, "retry-1"), purchase(bob, 20n, "retry-2")];
    await points.write.issuePurchasesFor([merchantA, batch], { account: relayer });
    const allowance = await points.read.issuanceAllowance([merchantA]);
    const supply = await points.read.totalSupply();
    // The same purchases again, through the other entry point and in another order.
    const hash = await points.write.issuePurchases([[batch[1], batch[0]]], { account: merchantA });
    const logs = await logsOf(hash, points.abi);
    assert.deepEqual(logs.map((l) => l.name), ["PurchaseSkipped", "PurchaseSkipped"]);
    assert.deepEqual(skipped(logs).map((s) => s.reason), ["RefAlreadyUsed", "RefAlreadyUsed"]);
    assert.equal(await points.read.issuanceAllowance([merchantA]), allowance);
    assert.equal(await points.read.totalSupply(), supply);
    await assertions.revertWithCustomErrorWithArgs(points.write.issueFor([merchantA, alice, 10n, ref("retry-1")], { account: relayer }), points, "RefAlreadyUsed", [ref("retry-1")]);
  });

  it("refs are per merchant in a batch too: merchant B's batch under merchant A's ref values issues under B's own refs", async () => {
    const { points } = await load();
    await points.write.issuePurchases([[purchase(alice, 10n, "shared")]], { account: merchantA });
    const hash = await points.write.issuePurchases([[purchase(alice, 10n, "shared")]], { account: merchantB });
    assert.deepEqual(skipped(await logsOf(hash, points.abi)), []);
    assert.equal((await points.read.issuanceOf([merchantB, ref("shared")])).merchant, merchantB);
  });

  it("returns how many purchases issued (what a relayer simulates before it sends)", async () => {
    const { points } = await load();
    const { result } = await publicClient.simulateContract({
      address: points.address, abi: points.abi, functionName: "issuePurchasesFor",
      args: [merchantA, [purchase(alice, 1n, "sim-1"), purchase(alice, 0n, "sim-2"), purchase(bob, 1n, "sim-3")]],
      account: getAddress(relayer),
    });
    assert.equal(result, 2n);
  });

  describe("bounds and roles", () => {
    it("reverts with InvalidBatch when empty and PurchaseBatchTooLarge above MAX_PURCHASE_BATCH", async () => {
      const { points } = await load();
      const max = await points.read.MAX_PURCHASE_BATCH();
      await assertions.revertWithCustomError(points.write.issuePurchases([[]], { account: merchantA }), points, "InvalidBatch");
      const tooMany = Array.from({ length: Number(max) + 1 }, (_, i) => purchase(alice, 1n, `bulk-${i}`));
      await assertions.revertWithCustomErrorWithArgs(points.write.issuePurchases([tooMany], { account: merchantA }), points, "PurchaseBatchTooLarge", [max + 1n, max]);
    });

    it("only a merchant issues its batch; only its agent issues for it, and not once it is offboarded", async () => {
      const { points, roles } = await load();
      const batch = [purchase(alice, 1n, "role-1")];
      for (const account of [operator, relayer, alice]) {
        await assertions.revertWithCustomErrorWithArgs(points.write.issuePurchases([batch], { account }), points, "AccessControlUnauthorizedAccount", [account, roles.merchant]);
      }
      await assertions.revertWithCustomErrorWithArgs(points.write.issuePurchasesFor([merchantB, batch], { account: relayer }), points, "NotIssuingAgent", [merchantB, relayer]);
      await assertions.revertWithCustomErrorWithArgs(points.write.issuePurchasesFor([merchantA, batch], { account: outsider }), points, "NotIssuingAgent", [merchantA, outsider]);
      await points.write.offboardMerchant([merchantA]);
      await assertions.revertWithCustomErrorWithArgs(points.write.issuePurchasesFor([merchantA, batch], { account: relayer }), points, "AccessControlUnauthorizedAccount", [merchantA, roles.merchant]);
    });

    it("is blocked while paused (EnforcedPause)", async () => {
      const { points } = await load();
      await points.write.pause();
      await assertions.revertWithCustomError(points.write.issuePurchasesFor([merchantA, [purchase(alice, 1n, "paused")]], { account: relayer }), points, "EnforcedPause");
    });
  });
});
