/** The pure stages (derive the ledger, check the rules) on hand-made event streams. */
import { describe, expect, it } from "vitest";
import { checkRules, voucherKey, type VoucherProof } from "./check-rules.ts";
import { encodeTokenId, MERCHANT_ROLE, tierFor, ZERO_ADDRESS as Z } from "../../contracts/spec/index.ts";
import { deriveLedger } from "./derive-ledger.ts";
import type { AuditEvent, ContractLabel } from "./types.ts";

const OP = "0x00000000000000000000000000000000000000aa";
const SHOP = "0x00000000000000000000000000000000000000b0";
const ALICE = "0x00000000000000000000000000000000000000a1";
const BOB = "0x00000000000000000000000000000000000000a2";
const REF1 = `0x${"11".repeat(32)}`;
const REF2 = `0x${"22".repeat(32)}`;
const DAY = 86_400;

/** A chain of transactions: each `tx` is one block at `time`, its events in order. */
function chain() {
  const events: AuditEvent[] = [];
  let block = 10;
  const builder = {
    tx(time: number, ...items: [ContractLabel, string, Record<string, unknown>][]) {
      block += 1;
      const txHash = `0x${block.toString(16).padStart(64, "0")}` as const;
      items.forEach(([contract, name, args], logIndex) =>
        events.push({ blockNumber: block, blockHash: txHash, txHash, txIndex: 0, logIndex, timestamp: time, contract, name, args }),
      );
      return builder;
    },
    events,
  };
  return builder;
}

const P = "LoyaltyPoints" as const;
const R = "RewardNFT" as const;
const onboard = (allowance: bigint) =>
  [
    [P, "RoleGranted", { role: MERCHANT_ROLE, account: SHOP, sender: OP }],
    [P, "IssuanceAllowanceSet", { merchant: SHOP, previousAllowance: 0n, newAllowance: allowance }],
    [P, "MerchantOnboarded", { merchant: SHOP, name: "Shop", allowance }],
  ] as [ContractLabel, string, Record<string, unknown>][];
const issue = (member: string, amount: bigint, ref: string) =>
  [
    [P, "Transfer", { from: Z, to: member, value: amount }],
    [P, "PointsIssued", { merchant: SHOP, member, ref, amount }],
  ] as [ContractLabel, string, Record<string, unknown>][];
const terms = (over: Partial<Record<string, unknown>> = {}) => ({ cost: 100n, supplyCap: 2n, minTier: 0, validFrom: 0, validUntil: 0, soulbound: false, mintOnly: false, category: 0, ...over });
const token = encodeTokenId;
const redeem = (member: string, rewardId: bigint, serial: bigint, burnt: bigint, cost = burnt) =>
  [
    ...(burnt ? [[P, "Transfer", { from: member, to: Z, value: burnt }], [P, "PointsRedeemed", { member, rewardId, amount: burnt }]] : []),
    [R, "Transfer", { from: Z, to: member, tokenId: token(rewardId, serial) }],
    [R, "RewardRedeemed", { rewardId, member, tokenId: token(rewardId, serial), cost }],
  ] as [ContractLabel, string, Record<string, unknown>][];

const audit = (events: AuditEvent[], vouchers = new Map<string, VoucherProof>()) => {
  const ledger = deriveLedger(events);
  return { ledger, findings: checkRules({ facts: ledger.facts, timestamps: new Map(), vouchers }) };
};
const checks = (findings: { check: string }[]) => findings.map((f) => f.check).sort();

describe("deriveLedger", () => {
  it("re-derives balances, lifetime earned, tiers and supply from issuance, transfer, clawback, redemption and expiry", () => {
    const c = chain()
      .tx(1000, [P, "TierThresholdsSet", { thresholds: [100n, 500n] }], [P, "InactivityPeriodSet", { previousPeriod: 0n, newPeriod: 30n * BigInt(DAY) }])
      .tx(1001, ...onboard(10_000n))
      .tx(1002, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ minTier: 1 }), metadata: { name: "R", description: "", image: "" } }])
      .tx(1003, ...issue(ALICE, 600n, REF1))
      .tx(1004, ...issue(BOB, 80n, REF2))
      .tx(1005, [P, "Transfer", { from: ALICE, to: BOB, value: 50n }])
      .tx(1006, [P, "Transfer", { from: BOB, to: Z, value: 30n }], [P, "IssuanceAllowanceSet", { merchant: SHOP, previousAllowance: 9_320n, newAllowance: 9_350n }], [P, "PointsClawedBack", { merchant: SHOP, member: BOB, ref: REF2, amount: 30n }])
      .tx(1007, ...redeem(ALICE, 1n, 1n, 100n))
      .tx(1007 + 31 * DAY, [P, "Transfer", { from: BOB, to: Z, value: 100n }], [P, "PointsExpired", { member: BOB, amount: 100n, lastActivity: 1006n, triggeredBy: OP }]);
    const { ledger, findings } = audit(c.events);
    expect(findings).toEqual([]);
    const alice = ledger.accounts.get(ALICE)!;
    const bob = ledger.accounts.get(BOB)!;
    expect([alice.balance, alice.earned, tierFor(alice.earned, ledger.thresholds)]).toEqual([450n, 600n, 2]);
    expect([bob.balance, bob.earned, tierFor(bob.earned, ledger.thresholds)]).toEqual([0n, 50n, 0]);
    expect(ledger.supply).toBe(450n);
    expect(ledger.allowances.get(SHOP)).toBe(9_350n);
    expect(ledger.rewards.get(1n)!.minted).toBe(1n);
    expect(ledger.moves.map((m) => m.kind)).toEqual(["issuance", "issuance", "transfer", "clawback", "redemption", "expiry"]);
  });

  it("flags issuance beyond the allowance, a reused ref and a mint nothing explains", () => {
    const c = chain()
      .tx(1000, ...onboard(100n))
      .tx(1001, ...issue(ALICE, 80n, REF1))
      .tx(1002, ...issue(BOB, 30n, REF1))
      .tx(1003, [P, "Transfer", { from: Z, to: BOB, value: 5n }]);
    const { findings } = audit(c.events);
    expect(checks(findings)).toEqual(["event.unexplained", "issuance.allowance", "issuance.ref"]);
    const allowance = findings.find((f) => f.check === "issuance.allowance")!;
    expect([allowance.account, allowance.expected, allowance.found]).toEqual([SHOP, "≤ 20", "30"]);
    expect(findings.find((f) => f.check === "issuance.ref")!.events.map((e) => e.blockNumber)).toEqual([12, 13]);
  });

  it("accepts one ref for a whole campaign in one transaction", () => {
    const c = chain().tx(1000, ...onboard(100n)).tx(1001, ...issue(ALICE, 10n, REF1), ...issue(BOB, 10n, REF1));
    expect(audit(c.events).findings).toEqual([]);
  });

  it("flags redemptions that burn the wrong amount, below the tier, outside the window or beyond the cap", () => {
    const c = chain()
      .tx(1000, [P, "TierThresholdsSet", { thresholds: [1_000n] }])
      .tx(1001, ...onboard(10_000n))
      .tx(1002, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ supplyCap: 1n }), metadata: { name: "A", description: "", image: "" } }])
      .tx(1003, [R, "RewardCreated", { rewardId: 2n, merchant: SHOP, terms: terms({ minTier: 1, validUntil: 1005 }), metadata: { name: "B", description: "", image: "" } }])
      .tx(1004, ...issue(ALICE, 900n, REF1))
      .tx(1005, ...redeem(ALICE, 1n, 1n, 90n, 100n)) // burnt 90 of 100
      .tx(1006, ...redeem(ALICE, 1n, 2n, 100n)) // beyond the cap of 1
      .tx(1007, ...redeem(ALICE, 2n, 1n, 100n)); // tier 0 < 1, and after validUntil
    const { findings } = audit(c.events);
    expect(checks(findings)).toEqual(["redemption.cost", "redemption.tier", "redemption.window", "reward.cap"]);
    const cost = findings.find((f) => f.check === "redemption.cost")!;
    expect([cost.account, cost.expected, cost.found]).toEqual([ALICE, "100", "burnt 90, event cost 100"]);
  });

  it("pairs each burn with its own redemption when a receiver redeems again from its callback (nested logs)", () => {
    // The log order of a member contract re-entering redeem from onERC721Received: the inner
    // redemption burns, mints and is announced between the outer mint and the outer announcement.
    const [outerBurn, outerPoints, outerMint, outerEvent] = redeem(ALICE, 1n, 1n, 100n);
    const inner = redeem(ALICE, 1n, 2n, 100n);
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms(), metadata: { name: "A", description: "", image: "" } }])
      .tx(1002, ...issue(ALICE, 300n, REF1))
      .tx(1003, outerBurn!, outerPoints!, outerMint!, ...inner, outerEvent!);
    const { ledger, findings } = audit(c.events);
    expect(findings).toEqual([]);
    const redemptions = ledger.facts.filter((f) => f.kind === "redemption");
    expect(redemptions.map((f) => [f.event.args.tokenId, f.burns.map((b) => b.logIndex)])).toEqual([
      [token(1n, 2n), [4]],
      [token(1n, 1n), [1]],
    ]);
    // A redemption that burnt twice before its mint is still caught, nested or not.
    const doubled = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms(), metadata: { name: "A", description: "", image: "" } }])
      .tx(1002, ...issue(ALICE, 300n, REF1))
      .tx(1003, outerBurn!, outerPoints!, outerBurn!, outerPoints!, outerMint!, outerEvent!);
    expect(checks(audit(doubled.events).findings)).toEqual(["redemption.cost"]);
  });

  it("flags an expiry before the inactivity period and a wrong stated last activity", () => {
    const c = chain()
      .tx(1000, [P, "InactivityPeriodSet", { previousPeriod: 0n, newPeriod: 100n }])
      .tx(1001, ...onboard(10_000n))
      .tx(2000, ...issue(ALICE, 10n, REF1))
      .tx(2050, [P, "Transfer", { from: ALICE, to: Z, value: 10n }], [P, "PointsExpired", { member: ALICE, amount: 10n, lastActivity: 1900n, triggeredBy: OP }]);
    const { findings } = audit(c.events);
    expect(checks(findings)).toEqual(["expiry.early", "expiry.lastActivity"]);
    const early = findings.find((f) => f.check === "expiry.early")!;
    expect([early.account, early.expected, early.found]).toEqual([ALICE, "≥ 2100", "2050"]);
    expect(early.events.map((e) => e.event)).toEqual(["Transfer", "Transfer", "PointsExpired"]);
  });

  it("checks each consumed voucher against the signer recovered from its transaction", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ cost: 0n, mintOnly: true }), metadata: { name: "A", description: "", image: "" } }])
      .tx(1002, [R, "Transfer", { from: Z, to: ALICE, tokenId: token(1n, 1n) }], [R, "ExclusiveMinted", { rewardId: 1n, merchant: SHOP, member: ALICE, tokenId: token(1n, 1n) }])
      .tx(1003, [R, "VoucherConsumed", { tokenId: token(1n, 1n), rewardId: 1n, merchant: SHOP, holder: ALICE, nonce: 7n }]);
    const voucherTx = c.events.at(-1)!.txHash;
    const proof = (signer: string | null): Map<string, VoucherProof> =>
      new Map([[voucherKey(voucherTx, token(1n, 1n)), { txHash: voucherTx, tokenId: token(1n, 1n), signer, deadline: 2000n, via: "test" }]]);
    expect(audit(c.events, proof(ALICE)).findings).toEqual([]);
    const forged = audit(c.events, proof(BOB)).findings;
    expect(forged.map((f) => [f.check, f.account, f.expected, f.found])).toEqual([["voucher.signature", ALICE, ALICE, BOB]]);
    expect(checks(audit(c.events).findings)).toEqual(["voucher.signature"]);
  });

  it("does not count a zero-point transfer as activity, and flags a redemption from an offboarded merchant", () => {
    const c = chain()
      .tx(1000, [P, "InactivityPeriodSet", { previousPeriod: 0n, newPeriod: 100n }])
      .tx(1001, ...onboard(10_000n))
      .tx(1002, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ cost: 0n }), metadata: { name: "A", description: "", image: "" } }])
      .tx(2000, ...issue(ALICE, 10n, REF1))
      .tx(2090, [P, "Transfer", { from: ALICE, to: BOB, value: 0n }])
      .tx(2100, [P, "Transfer", { from: ALICE, to: Z, value: 10n }], [P, "PointsExpired", { member: ALICE, amount: 10n, lastActivity: 2000n, triggeredBy: OP }])
      .tx(2101, [P, "RoleRevoked", { role: MERCHANT_ROLE, account: SHOP, sender: OP }], [P, "MerchantOffboarded", { merchant: SHOP }])
      .tx(2102, ...redeem(BOB, 1n, 1n, 0n));
    const { ledger, findings } = audit(c.events);
    expect(ledger.accounts.get(BOB)!.lastActivity).toBeNull();
    expect(findings.map((f) => [f.check, f.account])).toEqual([["redemption.merchant", BOB]]);
  });

  it("flags an allowance that jumps without an event and an overdraft", () => {
    const c = chain()
      .tx(1000, ...onboard(100n))
      .tx(1001, [P, "IssuanceAllowanceSet", { merchant: SHOP, previousAllowance: 500n, newAllowance: 600n }])
      .tx(1002, [P, "Transfer", { from: ALICE, to: BOB, value: 1n }]);
    expect(checks(audit(c.events).findings)).toEqual(["allowance.replay", "balance.overdraft"]);
  });
});

describe("issuing agents and migrations to self-custody", () => {
  const CAROL = "0x00000000000000000000000000000000000000a3";
  const DAVE = "0x00000000000000000000000000000000000000a4";
  const AGENT = "0x00000000000000000000000000000000000000ee";
  const SHOP2 = "0x00000000000000000000000000000000000000b1";
  const migrate = (from: string, to: string, balance: bigint, lifetimeEarned: bigint, moved = balance) =>
    [
      ...(moved ? [[P, "Transfer", { from, to, value: moved }]] : []),
      [P, "AccountMigrated", { from, to, balance, lifetimeEarned }],
    ] as [ContractLabel, string, Record<string, unknown>][];
  const clawback = (merchant: string, member: string, ref: string, amount: bigint, allowance: [bigint, bigint]) =>
    [
      [P, "Transfer", { from: member, to: Z, value: amount }],
      [P, "IssuanceAllowanceSet", { merchant, previousAllowance: allowance[0], newAllowance: allowance[1] }],
      [P, "PointsClawedBack", { merchant, member, ref, amount }],
    ] as [ContractLabel, string, Record<string, unknown>][];

  it("moves lifetime earned (the tier follows) with the balance, and a refund after it hits the new account", () => {
    const c = chain()
      .tx(1000, [P, "TierThresholdsSet", { thresholds: [100n, 500n] }])
      .tx(1001, ...onboard(10_000n), [P, "IssuingAgentSet", { merchant: SHOP, agent: AGENT, authorized: true }])
      .tx(1002, ...issue(ALICE, 600n, REF1))
      .tx(1003, [P, "Transfer", { from: ALICE, to: BOB, value: 50n }])
      .tx(1004, ...migrate(ALICE, CAROL, 550n, 600n))
      .tx(1005, ...clawback(SHOP, CAROL, REF1, 40n, [9_400n, 9_440n]));
    const { ledger, findings } = audit(c.events);
    expect(findings).toEqual([]);
    const carol = ledger.accounts.get(CAROL)!;
    const alice = ledger.accounts.get(ALICE)!;
    expect([carol.balance, carol.earned, tierFor(carol.earned, ledger.thresholds)]).toEqual([510n, 560n, 2]);
    expect([alice.balance, alice.earned, tierFor(alice.earned, ledger.thresholds)]).toEqual([0n, 0n, 0]);
    // The migration's Transfer is a plain transfer row (the mirror's shape), explained by AccountMigrated.
    expect(ledger.moves.map((m) => m.kind)).toEqual(["issuance", "transfer", "transfer", "clawback"]);
    expect(ledger.migratedTo.get(ALICE)).toBe(CAROL);
    expect(ledger.issuingAgents.get(SHOP)).toEqual(new Set([AGENT]));
  });

  it("an account without points migrates its lifetime and carries its last activity", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, ...issue(ALICE, 70n, REF1))
      .tx(1002, [P, "Transfer", { from: ALICE, to: BOB, value: 70n }])
      .tx(1003, ...migrate(ALICE, CAROL, 0n, 70n));
    const { ledger, findings } = audit(c.events);
    expect(findings).toEqual([]);
    const carol = ledger.accounts.get(CAROL)!;
    expect([carol.balance, carol.earned, carol.lastActivity?.timestamp]).toEqual([0n, 70n, 1002]);
  });

  it("flags a migration that leaves points or lifetime behind, or moves a balance without its transfer, and a refund from the wrong account", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, ...issue(ALICE, 600n, REF1))
      .tx(1002, ...issue(BOB, 100n, REF2))
      .tx(1003, ...migrate(ALICE, CAROL, 500n, 10n)) // 100 points and 590 lifetime left behind
      .tx(1004, ...migrate(BOB, DAVE, 100n, 100n, 0n)) // no Transfer of its balance
      .tx(1005, ...clawback(SHOP, ALICE, REF1, 10n, [9_300n, 9_310n])); // the contract would take it from CAROL
    const { findings } = audit(c.events);
    expect(checks(findings)).toEqual(["clawback.member", "migration.balance", "migration.lifetime", "migration.transfer"]);
    const member = findings.find((f) => f.check === "clawback.member")!;
    expect([member.account, member.expected, member.found]).toEqual([ALICE, CAROL, ALICE]);
    const balance = findings.find((f) => f.check === "migration.balance")!;
    expect([balance.account, balance.expected, balance.found]).toEqual([ALICE, "600", "500"]);
  });

  it("flags a migration into an account that had migrated away, and the value it received (the contract refuses both)", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, ...issue(ALICE, 10n, REF1))
      .tx(1002, ...migrate(ALICE, CAROL, 10n, 10n))
      .tx(1003, ...migrate(CAROL, ALICE, 10n, 10n));
    expect(audit(c.events).findings.map((f) => [f.check, f.account])).toEqual([
      ["migration.received", ALICE],
      ["migration.target", ALICE],
    ]);
  });

  it("flags a second migration of one account, a migration into a wallet with a history (pooling), and value sent to an account that moved", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n))
      .tx(1001, ...issue(ALICE, 10n, REF1), ...issue(BOB, 20n, REF2), ...issue(DAVE, 5n, `0x${"33".repeat(32)}`))
      .tx(1002, ...migrate(ALICE, CAROL, 10n, 10n))
      .tx(1003, ...migrate(BOB, CAROL, 20n, 20n)) // CAROL already received ALICE
      .tx(1004, ...migrate(ALICE, DAVE, 0n, 0n)) // ALICE moves twice, into DAVE who holds points
      .tx(1005, [P, "Transfer", { from: DAVE, to: BOB, value: 1n }]) // BOB had moved away
      .tx(1006, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ cost: 0n, mintOnly: true }), metadata: { name: "A", description: "", image: "" } }])
      .tx(1007, [R, "Transfer", { from: Z, to: ALICE, tokenId: token(1n, 1n) }], [R, "ExclusiveMinted", { rewardId: 1n, merchant: SHOP, member: ALICE, tokenId: token(1n, 1n) }]);
    expect(audit(c.events).findings.map((f) => [f.check, f.account])).toEqual([
      ["migration.pooled", CAROL],
      ["migration.once", ALICE],
      ["migration.pooled", DAVE],
      ["migration.received", BOB],
      ["migration.received", ALICE],
    ]);
  });

  it("counts neither a self-transfer as activity nor lets a registered charity's points expire", () => {
    const c = chain()
      .tx(1000, [P, "InactivityPeriodSet", { previousPeriod: 0n, newPeriod: 100n }], [P, "CharityRegistered", { charity: CAROL, name: "Food bank" }])
      .tx(1001, ...onboard(10_000n))
      .tx(2000, ...issue(ALICE, 10n, REF1))
      .tx(2050, [P, "Transfer", { from: ALICE, to: ALICE, value: 5n }])
      .tx(2100, [P, "Transfer", { from: ALICE, to: Z, value: 10n }], [P, "PointsExpired", { member: ALICE, amount: 10n, lastActivity: 2000n, triggeredBy: OP }]);
    expect(audit(c.events).findings).toEqual([]);
    const charity = chain()
      .tx(1000, [P, "InactivityPeriodSet", { previousPeriod: 0n, newPeriod: 100n }], [P, "CharityRegistered", { charity: CAROL, name: "Food bank" }])
      .tx(1001, ...onboard(10_000n))
      .tx(2000, ...issue(ALICE, 10n, REF1))
      .tx(2001, [P, "Transfer", { from: ALICE, to: CAROL, value: 10n }], [P, "PointsDonated", { member: ALICE, charity: CAROL, amount: 10n }])
      .tx(2200, [P, "Transfer", { from: CAROL, to: Z, value: 10n }], [P, "PointsExpired", { member: CAROL, amount: 10n, lastActivity: 2001n, triggeredBy: OP }]);
    expect(checks(audit(charity.events).findings)).toEqual(["expiry.charity"]);
  });

  it("keeps issueFor/clawbackFor to the issuing merchant's refs and amounts", () => {
    const c = chain()
      .tx(1000, ...onboard(10_000n), [P, "RoleGranted", { role: MERCHANT_ROLE, account: SHOP2, sender: OP }], [P, "IssuanceAllowanceSet", { merchant: SHOP2, previousAllowance: 0n, newAllowance: 100n }])
      .tx(1001, [P, "IssuingAgentSet", { merchant: SHOP, agent: AGENT, authorized: true }], [P, "IssuingAgentSet", { merchant: SHOP2, agent: AGENT, authorized: true }])
      .tx(1002, ...issue(ALICE, 60n, REF1)) // through the agent: the events name the merchant
      .tx(1003, ...clawback(SHOP2, ALICE, REF1, 10n, [100n, 110n])) // another merchant's ref: not one of SHOP2's
      .tx(1004, ...clawback(SHOP, ALICE, REF1, 61n, [9_940n, 10_001n])); // more than the ref issued
    expect(checks(audit(c.events).findings)).toEqual(["balance.overdraft", "clawback.amount", "clawback.ref"]);
  });

  it("keeps refs per merchant: the same value used by two merchants is two refs, each clawed back on its own", () => {
    const shop2Issue = (member: string, amount: bigint, ref: string) =>
      [
        [P, "Transfer", { from: Z, to: member, value: amount }],
        [P, "PointsIssued", { merchant: SHOP2, member, ref, amount }],
      ] as [ContractLabel, string, Record<string, unknown>][];
    const c = chain()
      .tx(1000, ...onboard(10_000n), [P, "RoleGranted", { role: MERCHANT_ROLE, account: SHOP2, sender: OP }], [P, "IssuanceAllowanceSet", { merchant: SHOP2, previousAllowance: 0n, newAllowance: 100n }])
      .tx(1001, ...issue(ALICE, 60n, REF1))
      .tx(1002, ...shop2Issue(BOB, 40n, REF1))
      .tx(1003, ...clawback(SHOP2, BOB, REF1, 40n, [60n, 100n]))
      .tx(1004, ...clawback(SHOP, ALICE, REF1, 60n, [9_940n, 10_000n]));
    expect(audit(c.events).findings).toEqual([]);
    // Within one merchant a ref is still used once.
    const replay = chain().tx(1000, ...onboard(10_000n)).tx(1001, ...issue(ALICE, 60n, REF1)).tx(1002, ...issue(BOB, 1n, REF1));
    expect(checks(audit(replay.events).findings)).toEqual(["issuance.ref"]);
  });

  it("accepts a soulbound token's move only inside a TokensMigrated of the same transaction, with the right count", () => {
    const badge = token(1n, 1n);
    const other = token(1n, 2n);
    const base = () =>
      chain()
        .tx(1000, ...onboard(10_000n))
        .tx(1001, [R, "RewardCreated", { rewardId: 1n, merchant: SHOP, terms: terms({ cost: 0n, mintOnly: true, soulbound: true }), metadata: { name: "Badge", description: "", image: "" } }])
        .tx(1002, [R, "Transfer", { from: Z, to: ALICE, tokenId: badge }], [R, "ExclusiveMinted", { rewardId: 1n, merchant: SHOP, member: ALICE, tokenId: badge }])
        .tx(1003, [R, "Transfer", { from: Z, to: ALICE, tokenId: other }], [R, "ExclusiveMinted", { rewardId: 1n, merchant: SHOP, member: ALICE, tokenId: other }]);
    const migrated = base().tx(1004, [R, "Transfer", { from: ALICE, to: CAROL, tokenId: badge }], [R, "Transfer", { from: ALICE, to: CAROL, tokenId: other }], [R, "TokensMigrated", { from: ALICE, to: CAROL, count: 2n }]);
    const { ledger, findings } = audit(migrated.events);
    expect(findings).toEqual([]);
    expect(ledger.tokens.get(badge)!.owner).toBe(CAROL);

    const plain = base().tx(1004, [R, "Transfer", { from: ALICE, to: CAROL, tokenId: badge }]);
    expect(audit(plain.events).findings.map((f) => [f.check, f.account])).toEqual([["reward.soulbound", `token:${badge}`]]);

    // A migration to CAROL does not cover a move to BOB in the same transaction, and its count must match.
    const mixed = base().tx(1004, [R, "Transfer", { from: ALICE, to: BOB, tokenId: badge }], [R, "Transfer", { from: ALICE, to: CAROL, tokenId: other }], [R, "TokensMigrated", { from: ALICE, to: CAROL, count: 2n }]);
    expect(checks(audit(mixed.events).findings)).toEqual(["migration.tokens", "reward.soulbound"]);
  });
});
