/**
 * Stage 3c: the books re-derived from events against the contracts' own views at the pinned block
 * (balanceOf, lifetimeEarned, tierOf, totalSupply, tiers, expiry rule, allowances, rewards minted),
 * and Σ balances against the supply. Pure.
 */
import { tierFor } from "../../contracts/spec/index.ts";
import type { Ledger } from "./derive-ledger.ts";
import type { AccountView, ProgramView } from "./read-chain.ts";
import { eventRef, type Discrepancy, type EventRef } from "./types.ts";

const MAX_CITED = 20;

/** The latest transfers that touched `account` (the events behind its balance), newest last. */
export function eventsOf(ledger: Ledger, account: string, limit = MAX_CITED): EventRef[] {
  const out: EventRef[] = [];
  for (let i = ledger.moves.length - 1; i >= 0 && out.length < limit; i--) {
    const m = ledger.moves[i];
    if (m.from === account || m.to === account) out.push(eventRef(m.explainedBy ?? m.transfer));
  }
  return out.reverse();
}

export function checkBalances(ledger: Ledger, views: ReadonlyMap<string, AccountView>, program: ProgramView): Discrepancy[] {
  const out: Discrepancy[] = [];
  let sum = 0n;
  for (const [address, a] of ledger.accounts) {
    sum += a.balance;
    const v = views.get(address);
    if (!v) continue;
    const tier = tierFor(a.earned, ledger.thresholds);
    const checks: [string, bigint, bigint][] = [
      ["balance", a.balance, v.balance],
      ["lifetimeEarned", a.earned, v.lifetimeEarned],
      ["tier", BigInt(tier), v.tier],
    ];
    for (const [check, expected, found] of checks) {
      if (expected !== found) {
        out.push({
          check, account: address, expected: String(expected), found: String(found),
          message: `${check} re-derived from events differs from the contract's ${check === "balance" ? "balanceOf" : check === "tier" ? "tierOf" : "lifetimeEarned"}`,
          events: eventsOf(ledger, address),
        });
      }
    }
  }
  if (sum !== program.totalSupply) {
    out.push({ check: "totalSupply", account: "LoyaltyPoints", expected: String(sum), found: String(program.totalSupply), message: "Σ re-derived balances differs from totalSupply()", events: [] });
  }
  if (ledger.supply !== program.totalSupply) {
    out.push({ check: "supply", account: "LoyaltyPoints", expected: String(ledger.supply), found: String(program.totalSupply), message: "mints minus burns differs from totalSupply()", events: [] });
  }
  if (ledger.thresholds.join(",") !== program.thresholds.join(",")) {
    out.push({ check: "tierThresholds", account: "LoyaltyPoints", expected: ledger.thresholds.join("/"), found: program.thresholds.join("/"), message: "replayed TierThresholdsSet differs from tierThresholds()", events: [] });
  }
  if (ledger.inactivityPeriod !== program.inactivityPeriod) {
    out.push({ check: "inactivityPeriod", account: "LoyaltyPoints", expected: String(ledger.inactivityPeriod), found: String(program.inactivityPeriod), message: "replayed InactivityPeriodSet differs from inactivityPeriod()", events: [] });
  }
  for (const [merchant, found] of program.allowances) {
    const expected = ledger.allowances.get(merchant) ?? 0n;
    if (expected !== found) {
      out.push({ check: "allowance", account: merchant, expected: String(expected), found: String(found), message: "allowance replayed from IssuanceAllowanceSet, issuances and clawbacks differs from issuanceAllowance()", events: [] });
    }
  }
  for (const [rewardId, found] of program.rewardsMinted) {
    const r = ledger.rewards.get(rewardId);
    const expected = r?.minted ?? 0n;
    if (expected !== found) {
      out.push({ check: "reward.minted", account: `reward:${rewardId}`, expected: String(expected), found: String(found), message: "reward tokens minted (Transfer from 0) differ from getReward().minted", events: r ? [eventRef(r.created)] : [] });
    }
  }
  return out;
}
