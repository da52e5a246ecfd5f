/**
 * Stage 3a: the program's rules, judged on the facts the replay recorded (derive-ledger.ts), the
 * block timestamps and the voucher signatures recovered from the transactions (vouchers.ts).
 * Pure: every violation becomes a Discrepancy naming the account, what was expected, what was
 * found and the events involved.
 */
import type { AuditEvent, Discrepancy } from "./types.ts";
import { eventRef } from "./types.ts";
import { rewardIdOf } from "../../contracts/spec/index.ts";
import type { Fact } from "./derive-ledger.ts";

/** What the transactions of consumed vouchers prove (see vouchers.ts). */
export interface VoucherProof {
  txHash: string;
  tokenId: bigint;
  /** The holder the signature proves consent of, or null when it could not be recovered. */
  signer: string | null;
  deadline: bigint | null;
  /** How the call reached the catalog, and how the signature was checked. */
  via: string;
  /** Why no signer could be established. */
  problem?: string;
}

export const voucherKey = (txHash: string, tokenId: bigint) => `${txHash.toLowerCase()}:${tokenId}`;

export interface RuleInputs {
  facts: readonly Fact[];
  /** Block timestamps (seconds) for blocks whose logs did not carry one. */
  timestamps: ReadonlyMap<number, number>;
  vouchers: ReadonlyMap<string, VoucherProof>;
}

/** Blocks whose timestamp the rules need and the logs did not give. */
export function blocksNeedingTimestamps(facts: readonly Fact[]): number[] {
  const need = new Set<number>();
  const add = (e: AuditEvent | null) => {
    if (e && e.timestamp === undefined) need.add(e.blockNumber);
  };
  for (const f of facts) {
    if (f.kind === "redemption" || f.kind === "voucher") add(f.event);
    if (f.kind === "expiry") {
      add(f.event);
      add(f.lastActivity);
    }
  }
  return [...need].sort((a, b) => a - b);
}

const s = (v: bigint | number | string | boolean | null | undefined) => (v === null || v === undefined ? "none" : String(v));

export function checkRules({ facts, timestamps, vouchers }: RuleInputs): Discrepancy[] {
  const out: Discrepancy[] = [];
  const time = (e: AuditEvent): number => {
    const t = e.timestamp ?? timestamps.get(e.blockNumber);
    if (t === undefined) throw new Error(`no timestamp for block ${e.blockNumber}`);
    return t;
  };
  const add = (check: string, account: string, expected: unknown, found: unknown, message: string, events: (AuditEvent | null | undefined)[]) =>
    out.push({ check, account, expected: s(expected as never), found: s(found as never), message, events: events.filter((e): e is AuditEvent => !!e).map(eventRef) });

  for (const f of facts) {
    switch (f.kind) {
      case "issuance": {
        if (f.amount > f.allowanceBefore) {
          add("issuance.allowance", f.merchant, `≤ ${f.allowanceBefore}`, f.amount, `merchant issued ${f.amount} points with ${f.allowanceBefore} left in its allowance`, [f.event]);
        }
        if (!f.isMerchant) add("issuance.merchant", f.merchant, "MERCHANT_ROLE", "no role", "points issued by an account that was not a merchant then", [f.event]);
        if (f.earlierUse) add("issuance.ref", f.merchant, "a ref used once by its merchant", `ref ${f.event.args.ref} used again`, "the same merchant's ref issued points in two transactions", [f.earlierUse, f.event]);
        if (!f.mint) add("issuance.mint", f.member, `a mint of ${f.amount}`, "none", "PointsIssued without the mint of its points", [f.event]);
        break;
      }
      case "allowance": {
        const previous = f.event.args.previousAllowance as bigint;
        if (previous !== f.replayed) {
          add("allowance.replay", f.merchant, f.replayed, previous, "IssuanceAllowanceSet starts from an allowance the replay of allowances and issuances does not give", [f.event]);
        }
        break;
      }
      case "clawback": {
        const i = f.issuance;
        // Issuances are looked up under the clawing merchant's own ref: another merchant's is not found.
        if (!i) add("clawback.ref", f.member, "an issuance under this merchant's ref", "none", `clawback of ref ${f.event.args.ref}, which issued nothing for ${f.merchant}`, [f.event]);
        else {
          if (i.member === null) add("clawback.campaign", f.member, "a single-member issuance", "a campaign", "clawback of a campaign ref", [i.events[0], f.event]);
          // After a migration the contract claws back from the account the member moved to.
          else if (f.memberNow !== f.member) add("clawback.member", f.member, f.memberNow, f.member, "clawback from a member the ref did not issue to (nor its migrated account)", [i.events[0], f.event]);
          if (f.clawedBefore + f.amount > i.amount) {
            add("clawback.amount", f.member, `≤ ${i.amount - f.clawedBefore}`, f.amount, "clawback beyond what the ref issued", [...i.events, f.event]);
          }
        }
        if (!f.burn) add("clawback.burn", f.member, `a burn of ${f.amount}`, "none", "PointsClawedBack without the burn of its points", [f.event]);
        break;
      }
      case "redemption": {
        const r = f.reward;
        const cost = f.event.args.cost as bigint;
        if (!r) {
          add("redemption.reward", f.member, `reward ${f.rewardId} created`, "unknown reward", "redemption of a reward never created", [f.event]);
          break;
        }
        if (cost !== r.cost || f.burned !== r.cost) {
          add("redemption.cost", f.member, r.cost, `burnt ${f.burned}, event cost ${cost}`, `redemption of reward ${f.rewardId} did not burn exactly its cost`, [r.created, ...f.burns, f.event]);
        }
        if (r.mintOnly) add("redemption.mintOnly", f.member, "a redeemable reward", "mint-only", `reward ${f.rewardId} is mint-only`, [r.created, f.event]);
        if (!f.merchantActive) add("redemption.merchant", f.member, `an active merchant (${r.merchant})`, "offboarded", `reward ${f.rewardId}'s merchant had left the coalition`, [r.created, f.event]);
        if (f.paused) add("redemption.paused", f.member, "an active reward", "paused", `reward ${f.rewardId} was paused`, [r.created, f.event]);
        if (f.tier < r.minTier) {
          add("redemption.tier", f.member, `tier ≥ ${r.minTier}`, `tier ${f.tier} (lifetime ${f.earned}, thresholds ${f.thresholds.join("/") || "none"})`, `member below reward ${f.rewardId}'s minimum tier`, [r.created, f.event]);
        }
        const t = BigInt(time(f.event));
        if (t < r.validFrom || (r.validUntil !== 0n && t > r.validUntil)) {
          add("redemption.window", f.member, `${r.validFrom}..${r.validUntil || "∞"}`, `block time ${t}`, `reward ${f.rewardId} redeemed outside its validity window`, [r.created, f.event]);
        }
        if (!f.mint || rewardIdOf(f.mint.args.tokenId as bigint) !== f.rewardId) {
          add("redemption.mint", f.member, `token ${f.event.args.tokenId} minted`, "none", "RewardRedeemed without the mint of its token", [f.event]);
        }
        break;
      }
      case "nft-mint": {
        const r = f.reward;
        if (!r) add("reward.unknown", `reward:${f.rewardId}`, "a created reward", "none", `token ${f.tokenId} minted for a reward never created`, [f.event]);
        else if (f.mintedAfter > r.supplyCap) add("reward.cap", `reward:${f.rewardId}`, `≤ ${r.supplyCap}`, f.mintedAfter, `reward ${f.rewardId} minted beyond its supply cap`, [r.created, f.event]);
        if (f.how === "unexplained") add("reward.mint", `token:${f.tokenId}`, "RewardRedeemed or ExclusiveMinted", "none", "reward token minted without a redemption or an exclusive mint", [f.event]);
        break;
      }
      case "exclusive": {
        const r = f.reward;
        if (!r) add("exclusive.reward", f.merchant, "a created reward", "none", "exclusive mint of a reward never created", [f.event]);
        else if (r.merchant !== f.merchant) add("exclusive.merchant", f.merchant, r.merchant, f.merchant, "exclusive mint by another merchant than the reward's", [r.created, f.event]);
        if (!f.isMerchant) add("exclusive.role", f.merchant, "MERCHANT_ROLE", "no role", "exclusive mint by an account that was not a merchant then", [f.event]);
        if (f.paused) add("exclusive.paused", f.merchant, "an active reward", "paused", "exclusive mint of a paused reward", [f.event]);
        break;
      }
      case "expiry": {
        const lastTime = f.lastActivity ? time(f.lastActivity) : null;
        const at = time(f.event);
        const events = [f.lastActivity, f.burn, f.event];
        if (f.period === 0n) add("expiry.disabled", f.member, "no expiry (period 0)", "expired", "points expired while expiry was off", events);
        if (f.charity) add("expiry.charity", f.member, "no expiry (a registered charity)", "expired", "a registered charity's points expired", events);
        if (f.amount !== f.balanceBefore || f.amount === 0n) add("expiry.amount", f.member, f.balanceBefore, f.amount, "expiry did not burn exactly the whole balance", events);
        if (lastTime === null) add("expiry.activity", f.member, "a last balance change", "none", "expiry of an account that never held points", events);
        else {
          if (BigInt(lastTime) !== (f.event.args.lastActivity as bigint)) {
            add("expiry.lastActivity", f.member, lastTime, f.event.args.lastActivity, "PointsExpired states a last activity other than the time of the last balance change", events);
          }
          if (f.period !== 0n && BigInt(at) < BigInt(lastTime) + f.period) {
            add("expiry.early", f.member, `≥ ${BigInt(lastTime) + f.period}`, at, `expired ${BigInt(lastTime) + f.period - BigInt(at)} s before the inactivity period (${f.period} s) had passed`, events);
          }
        }
        if (!f.burn) add("expiry.burn", f.member, `a burn of ${f.amount}`, "none", "PointsExpired without the burn of the balance", [f.event]);
        break;
      }
      case "voucher": {
        const holder = f.holder;
        if (f.owner !== holder) add("voucher.holder", holder, f.owner, holder, `voucher ${f.tokenId} consumed for someone other than its owner`, [f.event]);
        if (!f.reward || f.reward.merchant !== f.merchant) add("voucher.merchant", f.merchant, f.reward?.merchant, f.merchant, `voucher ${f.tokenId} consumed by a merchant other than the reward's`, [f.event]);
        if (f.consumedBefore) add("voucher.once", `token:${f.tokenId}`, "consumed once", "consumed again", `voucher ${f.tokenId} consumed twice`, [f.event]);
        if (f.nonceUsedBefore) add("voucher.nonce", holder, `nonce ${f.event.args.nonce} unused`, "used", "voucher nonce reused", [f.event]);
        const proof = vouchers.get(voucherKey(f.event.txHash, f.tokenId));
        if (!proof || proof.signer === null) {
          add("voucher.signature", holder, `signed by ${holder}`, proof?.problem ?? "no proof", `cannot prove that the holder signed the use of voucher ${f.tokenId}`, [f.event]);
        } else {
          if (proof.signer !== holder) add("voucher.signature", holder, holder, proof.signer, `voucher ${f.tokenId} was not signed by its holder (${proof.via})`, [f.event]);
          if (proof.deadline !== null && BigInt(time(f.event)) > proof.deadline) {
            add("voucher.deadline", holder, `≤ ${proof.deadline}`, time(f.event), "voucher used after its signature's deadline", [f.event]);
          }
        }
        break;
      }
      case "migration": {
        const events = [f.transfer, f.event];
        if (f.balance !== f.balanceBefore) add("migration.balance", f.from, f.balanceBefore, f.balance, "AccountMigrated did not move the whole balance", events);
        if (f.balance !== 0n && !f.transfer) add("migration.transfer", f.from, `a transfer of ${f.balance} to ${f.to}`, "none", "AccountMigrated without the transfer of its balance", events);
        if (f.lifetimeEarned !== f.earnedBefore) add("migration.lifetime", f.from, f.earnedBefore, f.lifetimeEarned, "AccountMigrated did not move the whole lifetime earned", events);
        if (f.from === f.to) add("migration.target", f.from, "another account", f.to, "an account migrated onto itself", events);
        if (f.targetMovedAway) add("migration.target", f.to, "an account that never moved away", "migrated away before", "an account migrated into one that had itself migrated away", events);
        if (f.alreadyMoved) add("migration.once", f.from, "one migration per account", "migrated again", "an account that had already moved away migrated a second time", events);
        if (f.targetNotEmpty) add("migration.pooled", f.to, "a target without points, lifetime earned or an earlier migration", "not empty", "an account migrated into one that already had a history: accounts pooled", events);
        break;
      }
      case "after-move":
        add("migration.received", f.account, `nothing (moved to ${f.movedTo})`, f.event.contract === "RewardNFT" ? `token ${f.event.args.tokenId}` : `${f.event.args.value} points`, "value reached an account that had moved away (its key is gone)", [f.event]);
        break;
      case "token-migration":
        if (BigInt(f.moved.length) !== f.count) {
          add("migration.tokens", f.from, `${f.count} token transfers to ${f.to}`, f.moved.length, "TokensMigrated counts other transfers than its transaction made", [...f.moved, f.event]);
        }
        break;
      case "soulbound-transfer":
        add("reward.soulbound", `token:${f.tokenId}`, "no transfer (or one inside a TokensMigrated)", `${f.event.args.from} → ${f.event.args.to}`, "a soulbound reward token moved outside a token migration", [f.event]);
        break;
      case "overdraft":
        add("balance.overdraft", f.account, `≥ ${f.amount}`, f.balanceBefore, "an account sent more points than it held", [f.event]);
        break;
      case "unexplained":
        add("event.unexplained", String(f.event.args.member ?? f.event.args.from ?? f.event.args.to ?? ""), "an explained balance change", f.what, f.what, [f.event, ...f.related]);
        break;
    }
  }
  return out;
}
