/**
 * Stage 2: replays the program's events, in chain order, into the books an auditor expects:
 * every account's balance, lifetime earned points and last activity, the supply, the merchants'
 * allowances, the refs, the reward catalog and its tokens. Pure: events in, ledger out.
 *
 * While replaying it records `facts`: each rule-relevant event with the state it happened in
 * (the allowance left, the tier then, the balance before an expiry…). Stage 3 (check-rules.ts)
 * judges them. Nothing here trusts a view function or the mirror.
 */
import { MERCHANT_ROLE, rewardIdOf, tierFor, ZERO_ADDRESS, type PointEventKind } from "../../contracts/spec/index.ts";
import type { AuditEvent } from "./types.ts";

export interface AccountState {
  address: string;
  balance: bigint;
  /** Issued minus clawed back. */
  earned: bigint;
  /** Last balance change (non-zero Transfer between two accounts as sender or recipient, mints and burns included; a transfer to oneself is none). */
  lastActivity: AuditEvent | null;
}

/** One ERC-20 Transfer of the points and the event that explains it (the mirror's point_events row). */
export interface PointMove {
  transfer: AuditEvent;
  /** The semantic event that explains it (PointsIssued…), or null for a plain transfer. */
  explainedBy: AuditEvent | null;
  kind: PointEventKind;
  from: string | null;
  to: string | null;
  amount: bigint;
  merchant: string | null;
  ref: string | null;
  rewardId: bigint | null;
  triggeredBy: string | null;
  /** The sender's state just before this transfer. */
  fromBalanceBefore: bigint;
  fromLastActivityBefore: AuditEvent | null;
}

export interface RewardState {
  rewardId: bigint;
  merchant: string;
  cost: bigint;
  supplyCap: bigint;
  minTier: number;
  validFrom: bigint;
  validUntil: bigint;
  soulbound: boolean;
  mintOnly: boolean;
  paused: boolean;
  minted: bigint;
  created: AuditEvent;
}

export interface TokenState {
  tokenId: bigint;
  rewardId: bigint;
  owner: string;
  consumed: boolean;
  minted: AuditEvent;
}

export interface IssuanceRecord {
  ref: string;
  merchant: string;
  /** The single member of an `issue`, or null for a campaign (several members). */
  member: string | null;
  amount: bigint;
  clawedBack: bigint;
  events: AuditEvent[];
}

export type Fact =
  | { kind: "issuance"; event: AuditEvent; merchant: string; member: string; amount: bigint; allowanceBefore: bigint; isMerchant: boolean; earlierUse: AuditEvent | null; mint: AuditEvent | null }
  | { kind: "allowance"; event: AuditEvent; merchant: string; replayed: bigint }
  | {
      kind: "clawback"; event: AuditEvent; merchant: string; member: string; amount: bigint; issuance: IssuanceRecord | null; clawedBefore: bigint; burn: AuditEvent | null;
      /** Where the issuance's member had migrated its account by then (itself if never): whom the contract claws back from. */
      memberNow: string | null;
    }
  | {
      kind: "migration"; event: AuditEvent; from: string; to: string; balance: bigint; lifetimeEarned: bigint;
      /** `from`'s balance and lifetime earned just before, by the replay, and the Transfer that moved the balance. */
      balanceBefore: bigint; earnedBefore: bigint; transfer: AuditEvent | null;
      /** `to` had itself migrated away before (the contract refuses it as a target). */
      targetMovedAway: boolean;
      /** `from` had already moved (an account moves once). */
      alreadyMoved: boolean;
      /** `to` held points, had lifetime earned or had received an account before (no pooling). */
      targetNotEmpty: boolean;
    }
  | { kind: "after-move"; event: AuditEvent; account: string; movedTo: string }
  | { kind: "token-migration"; event: AuditEvent; from: string; to: string; count: bigint; moved: AuditEvent[] }
  | { kind: "redemption"; event: AuditEvent; member: string; rewardId: bigint; reward: RewardState | null; paused: boolean; merchantActive: boolean; earned: bigint; tier: number; thresholds: bigint[]; burned: bigint; burns: AuditEvent[]; mint: AuditEvent | null }
  | { kind: "expiry"; event: AuditEvent; member: string; amount: bigint; period: bigint; balanceBefore: bigint; lastActivity: AuditEvent | null; burn: AuditEvent | null; charity: boolean }
  | { kind: "voucher"; event: AuditEvent; tokenId: bigint; holder: string; merchant: string; owner: string | null; reward: RewardState | null; consumedBefore: boolean; nonceUsedBefore: boolean }
  | { kind: "nft-mint"; event: AuditEvent; rewardId: bigint; tokenId: bigint; reward: RewardState | null; mintedAfter: bigint; how: "redemption" | "exclusive" | "unexplained" }
  | { kind: "exclusive"; event: AuditEvent; merchant: string; reward: RewardState | null; isMerchant: boolean; paused: boolean }
  | { kind: "soulbound-transfer"; event: AuditEvent; tokenId: bigint }
  | { kind: "overdraft"; event: AuditEvent; account: string; balanceBefore: bigint; amount: bigint }
  | { kind: "unexplained"; event: AuditEvent; what: string; related: AuditEvent[] };

export interface Ledger {
  accounts: Map<string, AccountState>;
  /** Minted minus burnt. */
  supply: bigint;
  thresholds: bigint[];
  inactivityPeriod: bigint;
  allowances: Map<string, bigint>;
  merchants: Set<string>;
  /** merchant → agents it authorizes now (IssuingAgentSet). */
  issuingAgents: Map<string, Set<string>>;
  /** Where each account migrated (LoyaltyPoints.migratedTo): refunds follow it. */
  migratedTo: Map<string, string>;
  /** Accounts some account migrated into (LoyaltyPoints.migratedFrom). */
  migratedFrom: Map<string, string>;
  /** Issuances by merchant and ref (`issuanceKey`): refs are per merchant, as in LoyaltyPoints. */
  issuances: Map<string, IssuanceRecord>;
  rewards: Map<bigint, RewardState>;
  tokens: Map<bigint, TokenState>;
  moves: PointMove[];
  facts: Fact[];
  /** Merchant names and charities, for the report and the mirror. */
  merchantNames: Map<string, string>;
  /** Onboarded and not offboarded since. */
  merchantActive: Map<string, boolean>;
  charities: Map<string, { name: string; active: boolean }>;
  paused: boolean;
  events: number;
}

/** A ref belongs to the merchant that used it: the same value used by two merchants is two refs. */
export const issuanceKey = (merchant: string, ref: string) => `${merchant.toLowerCase()}:${ref.toLowerCase()}`;

export function deriveLedger(events: readonly AuditEvent[]): Ledger {
  const ledger: Ledger = {
    accounts: new Map(),
    supply: 0n,
    thresholds: [],
    inactivityPeriod: 0n,
    allowances: new Map(),
    merchants: new Set(),
    issuingAgents: new Map(),
    migratedTo: new Map(),
    migratedFrom: new Map(),
    issuances: new Map(),
    rewards: new Map(),
    tokens: new Map(),
    moves: [],
    facts: [],
    merchantNames: new Map(),
    merchantActive: new Map(),
    charities: new Map(),
    paused: false,
    events: events.length,
  };
  const { accounts, facts } = ledger;
  const usedNonces = new Set<string>();
  const merchantRole = MERCHANT_ROLE.toLowerCase();

  const account = (address: string) => {
    let a = accounts.get(address);
    if (!a) {
      a = { address, balance: 0n, earned: 0n, lastActivity: null };
      accounts.set(address, a);
    }
    return a;
  };

  // The current transaction's context, to tie events to the transfers they explain.
  let txHash = "";
  let txMoves: PointMove[] = [];
  type RedemptionBurn = { event: AuditEvent; used: boolean };
  let txRedeemed: RedemptionBurn[] = [];
  /**
   * Burns for a redemption not yet followed by a reward mint. The catalog burns, then mints at
   * once (nothing runs in between), so a mint's own burns are exactly those pending when it is
   * logged; anything the receiver's callback does (a nested redemption included) comes after.
   */
  let txPendingBurns: RedemptionBurn[] = [];
  let txNftMints: { event: AuditEvent; fact: Fact & { kind: "nft-mint" }; burns: RedemptionBurn[] }[] = [];
  /** Reward-token transfers of this transaction, until a TokensMigrated accounts for them. */
  let txNftMoves: { event: AuditEvent; migrated: boolean; soulbound: boolean }[] = [];

  /** The account `address`'s points are in now, following migrations (as LoyaltyPoints._liveAccount). */
  const liveAccount = (address: string) => {
    let current = address;
    for (let next = ledger.migratedTo.get(current); next !== undefined; next = ledger.migratedTo.get(current)) current = next;
    return current;
  };
  /** The later of two activity events (chain order gives time order). */
  const later = (x: AuditEvent | null, y: AuditEvent | null) =>
    !x ? y : !y ? x : y.blockNumber > x.blockNumber || (y.blockNumber === x.blockNumber && y.logIndex > x.logIndex) ? y : x;

  const closeTx = () => {
    for (const m of txMoves) {
      if (m.explainedBy === null && (m.from === null || m.to === null)) {
        facts.push({ kind: "unexplained", event: m.transfer, what: m.from === null ? "points minted without PointsIssued" : "points burnt without PointsClawedBack, PointsRedeemed or PointsExpired", related: [] });
      }
    }
    for (const r of txRedeemed) {
      if (!r.used) facts.push({ kind: "unexplained", event: r.event, what: "points burnt for a redemption without RewardRedeemed", related: [] });
    }
    // A soulbound token moves only inside a TokensMigrated of the same transaction.
    for (const m of txNftMoves) {
      if (m.soulbound && !m.migrated) facts.push({ kind: "soulbound-transfer", event: m.event, tokenId: m.event.args.tokenId as bigint });
    }
    txMoves = [];
    txRedeemed = [];
    txPendingBurns = [];
    txNftMints = [];
    txNftMoves = [];
  };

  /** The latest unexplained transfer of this transaction matching (from, to, amount). */
  const unexplained = (from: string | null, to: string | null, amount: bigint): PointMove | null => {
    for (let i = txMoves.length - 1; i >= 0; i--) {
      const m = txMoves[i];
      if (m.explainedBy === null && m.from === from && m.to === to && m.amount === amount) return m;
    }
    return null;
  };
  /** That transfer, now explained by `e`. */
  const explain = (e: AuditEvent, from: string | null, to: string | null, amount: bigint): PointMove | null => {
    const m = unexplained(from, to, amount);
    if (m) m.explainedBy = e;
    return m;
  };

  for (const e of events) {
    if (e.txHash !== txHash) {
      closeTx();
      txHash = e.txHash;
    }
    const a = e.args;
    if (e.contract === "LoyaltyPoints") {
      switch (e.name) {
        case "Transfer": {
          const value = a.value as bigint;
          const from = a.from === ZERO_ADDRESS ? null : (a.from as string);
          const to = a.to === ZERO_ADDRESS ? null : (a.to as string);
          let fromBalanceBefore = 0n;
          let fromLastActivityBefore: AuditEvent | null = null;
          // As in LoyaltyPoints, neither a zero-point transfer nor one to oneself is activity.
          const activity = value !== 0n && from !== to;
          if (from) {
            const s = account(from);
            fromBalanceBefore = s.balance;
            fromLastActivityBefore = s.lastActivity;
            if (s.balance < value) facts.push({ kind: "overdraft", event: e, account: from, balanceBefore: s.balance, amount: value });
            s.balance -= value;
            if (activity) s.lastActivity = e;
          } else ledger.supply += value;
          if (to) {
            const s = account(to);
            s.balance += value;
            if (activity) s.lastActivity = e;
            const movedTo = ledger.migratedTo.get(to);
            if (movedTo !== undefined && activity) facts.push({ kind: "after-move", event: e, account: to, movedTo });
          } else ledger.supply -= value;
          const move: PointMove = {
            transfer: e, explainedBy: null, kind: "transfer", from, to, amount: value,
            merchant: null, ref: null, rewardId: null, triggeredBy: null, fromBalanceBefore, fromLastActivityBefore,
          };
          ledger.moves.push(move);
          txMoves.push(move);
          break;
        }
        case "PointsIssued": {
          const merchant = a.merchant as string;
          const member = a.member as string;
          const amount = a.amount as bigint;
          const ref = a.ref as string;
          const mint = explain(e, null, member, amount);
          if (mint) Object.assign(mint, { kind: "issuance", merchant, ref });
          const allowanceBefore = ledger.allowances.get(merchant) ?? 0n;
          ledger.allowances.set(merchant, allowanceBefore - amount);
          let record = ledger.issuances.get(issuanceKey(merchant, ref));
          let earlierUse: AuditEvent | null = null;
          if (!record) {
            record = { ref, merchant, member, amount: 0n, clawedBack: 0n, events: [] };
            ledger.issuances.set(issuanceKey(merchant, ref), record);
          } else if (record.events[0].txHash !== e.txHash) {
            earlierUse = record.events[0];
          } else {
            record.member = null; // several issuances under one ref in one transaction: a campaign
          }
          if (!earlierUse) {
            record.amount += amount;
            record.events.push(e);
          }
          account(member).earned += amount;
          facts.push({ kind: "issuance", event: e, merchant, member, amount, allowanceBefore, isMerchant: ledger.merchants.has(merchant), earlierUse, mint: mint?.transfer ?? null });
          break;
        }
        case "PointsClawedBack": {
          const merchant = a.merchant as string;
          const member = a.member as string;
          const amount = a.amount as bigint;
          const burn = explain(e, member, null, amount);
          if (burn) Object.assign(burn, { kind: "clawback", merchant, ref: a.ref });
          const issuance = ledger.issuances.get(issuanceKey(merchant, a.ref as string)) ?? null;
          const clawedBefore = issuance?.clawedBack ?? 0n;
          if (issuance) issuance.clawedBack += amount;
          account(member).earned -= amount;
          const memberNow = issuance?.member ? liveAccount(issuance.member) : null;
          facts.push({ kind: "clawback", event: e, merchant, member, amount, issuance: issuance ? { ...issuance } : null, clawedBefore, burn: burn?.transfer ?? null, memberNow });
          break;
        }
        case "AccountMigrated": {
          // The balance moved with a plain Transfer (from → to) just before; lifetime earned and the
          // last activity move here, as LoyaltyPoints.migrateAccount does.
          const from = a.from as string;
          const to = a.to as string;
          const balance = a.balance as bigint;
          const lifetimeEarned = a.lifetimeEarned as bigint;
          // Left a plain transfer (the mirror's shape): only its amount is checked against the event.
          const transfer = balance === 0n ? null : unexplained(from, to, balance);
          const source = account(from);
          const target = account(to);
          const balanceBefore = transfer ? transfer.fromBalanceBefore : source.balance;
          const earnedBefore = source.earned;
          const targetMovedAway = ledger.migratedTo.has(to);
          const alreadyMoved = ledger.migratedTo.has(from);
          // The target's state before this migration (its Transfer already credited it).
          const targetNotEmpty = target.balance - (transfer ? balance : 0n) !== 0n || target.earned !== 0n || ledger.migratedFrom.has(to);
          target.earned += lifetimeEarned;
          source.earned -= lifetimeEarned;
          target.lastActivity = later(target.lastActivity, transfer ? transfer.fromLastActivityBefore : source.lastActivity);
          if (transfer) target.lastActivity = later(target.lastActivity, transfer.transfer);
          if (!alreadyMoved) ledger.migratedTo.set(from, to);
          ledger.migratedFrom.set(to, from);
          facts.push({ kind: "migration", event: e, from, to, balance, lifetimeEarned, balanceBefore, earnedBefore, transfer: transfer?.transfer ?? null, targetMovedAway, alreadyMoved, targetNotEmpty });
          break;
        }
        case "IssuingAgentSet": {
          const agents = ledger.issuingAgents.get(a.merchant as string) ?? new Set<string>();
          if (a.authorized) agents.add(a.agent as string);
          else agents.delete(a.agent as string);
          ledger.issuingAgents.set(a.merchant as string, agents);
          break;
        }
        case "PointsRedeemed": {
          const burn = explain(e, a.member as string, null, a.amount as bigint);
          if (burn) Object.assign(burn, { kind: "redemption", rewardId: a.rewardId });
          else facts.push({ kind: "unexplained", event: e, what: "PointsRedeemed without the burn of its points", related: [] });
          const redeemed = { event: e, used: false };
          txRedeemed.push(redeemed);
          txPendingBurns.push(redeemed);
          break;
        }
        case "PointsExpired": {
          const member = a.member as string;
          const amount = a.amount as bigint;
          const burn = explain(e, member, null, amount);
          if (burn) Object.assign(burn, { kind: "expiry", triggeredBy: a.triggeredBy });
          facts.push({
            kind: "expiry", event: e, member, amount, period: ledger.inactivityPeriod,
            balanceBefore: burn ? burn.fromBalanceBefore : account(member).balance,
            lastActivity: burn ? burn.fromLastActivityBefore : account(member).lastActivity,
            burn: burn?.transfer ?? null,
            charity: ledger.charities.get(member)?.active ?? false,
          });
          break;
        }
        case "PointsDonated": {
          const move = explain(e, a.member as string, a.charity as string, a.amount as bigint);
          if (move) move.kind = "donation";
          else facts.push({ kind: "unexplained", event: e, what: "PointsDonated without its transfer", related: [] });
          break;
        }
        case "IssuanceAllowanceSet": {
          const merchant = a.merchant as string;
          facts.push({ kind: "allowance", event: e, merchant, replayed: ledger.allowances.get(merchant) ?? 0n });
          ledger.allowances.set(merchant, a.newAllowance as bigint);
          break;
        }
        case "MerchantOnboarded":
          ledger.merchantNames.set(a.merchant as string, a.name as string);
          ledger.merchantActive.set(a.merchant as string, true);
          break;
        case "MerchantOffboarded":
          ledger.merchantActive.set(a.merchant as string, false);
          break;
        case "RoleGranted":
          if ((a.role as string).toLowerCase() === merchantRole) ledger.merchants.add(a.account as string);
          break;
        case "RoleRevoked":
          if ((a.role as string).toLowerCase() === merchantRole) ledger.merchants.delete(a.account as string);
          break;
        case "TierThresholdsSet":
          ledger.thresholds = [...(a.thresholds as bigint[])];
          break;
        case "InactivityPeriodSet":
          ledger.inactivityPeriod = a.newPeriod as bigint;
          break;
        case "CharityRegistered":
          ledger.charities.set(a.charity as string, { name: a.name as string, active: true });
          break;
        case "CharityRemoved": {
          const c = ledger.charities.get(a.charity as string);
          if (c) c.active = false;
          break;
        }
        case "Paused":
          ledger.paused = true;
          break;
        case "Unpaused":
          ledger.paused = false;
          break;
        default:
          break; // Approval, RoleAdminChanged, EIP712DomainChanged
      }
      continue;
    }

    // ---------------------------------------------------------------- RewardNFT
    switch (e.name) {
      case "RewardCreated": {
        const t = a.terms as Record<string, any>;
        ledger.rewards.set(a.rewardId as bigint, {
          rewardId: a.rewardId as bigint, merchant: a.merchant as string, cost: t.cost as bigint, supplyCap: BigInt(t.supplyCap),
          minTier: Number(t.minTier), validFrom: BigInt(t.validFrom), validUntil: BigInt(t.validUntil), soulbound: Boolean(t.soulbound),
          mintOnly: Boolean(t.mintOnly), paused: false, minted: 0n, created: e,
        });
        break;
      }
      case "RewardPauseSet": {
        const r = ledger.rewards.get(a.rewardId as bigint);
        if (r) r.paused = Boolean(a.paused);
        break;
      }
      case "Transfer": {
        const tokenId = a.tokenId as bigint;
        if (a.from === ZERO_ADDRESS) {
          const rewardId = rewardIdOf(tokenId);
          const reward = ledger.rewards.get(rewardId) ?? null;
          if (reward) reward.minted += 1n;
          ledger.tokens.set(tokenId, { tokenId, rewardId, owner: a.to as string, consumed: false, minted: e });
          const fact = { kind: "nft-mint" as const, event: e, rewardId, tokenId, reward: reward ? { ...reward } : null, mintedAfter: reward?.minted ?? 0n, how: "unexplained" as "redemption" | "exclusive" | "unexplained" };
          facts.push(fact);
          txNftMints.push({ event: e, fact, burns: txPendingBurns });
          txPendingBurns = [];
        } else {
          const token = ledger.tokens.get(tokenId);
          if (token) token.owner = a.to as string;
        }
        const movedTo = a.to === ZERO_ADDRESS ? undefined : ledger.migratedTo.get(a.to as string);
        if (movedTo !== undefined) facts.push({ kind: "after-move", event: e, account: a.to as string, movedTo });
        if (a.from !== ZERO_ADDRESS) {
          if (a.to !== ZERO_ADDRESS) txNftMoves.push({ event: e, migrated: false, soulbound: ledger.rewards.get(rewardIdOf(tokenId))?.soulbound ?? false });
        }
        break;
      }
      case "TokensMigrated": {
        // Accounts for the transfers from → to of this transaction, soulbound ones included.
        const moved: AuditEvent[] = [];
        for (const m of txNftMoves) {
          if (!m.migrated && m.event.args.from === a.from && m.event.args.to === a.to) {
            m.migrated = true;
            moved.push(m.event);
          }
        }
        facts.push({ kind: "token-migration", event: e, from: a.from as string, to: a.to as string, count: a.count as bigint, moved });
        break;
      }
      case "RewardRedeemed": {
        const rewardId = a.rewardId as bigint;
        const member = a.member as string;
        const reward = ledger.rewards.get(rewardId) ?? null;
        const mint = txNftMints.find((m) => m.event.args.tokenId === a.tokenId && m.event.args.to === member && m.fact.how === "unexplained");
        if (mint) mint.fact.how = "redemption";
        // Its own burns: those logged just before its mint (nested redemptions have their own).
        const burns: AuditEvent[] = [];
        let burned = 0n;
        for (const r of mint ? mint.burns : txPendingBurns) {
          if (!r.used && r.event.args.member === member && r.event.args.rewardId === rewardId) {
            r.used = true;
            burns.push(r.event);
            burned += r.event.args.amount as bigint;
          }
        }
        const earned = accounts.get(member)?.earned ?? 0n;
        facts.push({
          kind: "redemption", event: e, member, rewardId, reward: reward ? { ...reward } : null, paused: reward?.paused ?? false,
          merchantActive: reward ? ledger.merchants.has(reward.merchant) : false,
          earned, tier: tierFor(earned, ledger.thresholds), thresholds: ledger.thresholds, burned, burns, mint: mint?.event ?? null,
        });
        break;
      }
      case "ExclusiveMinted": {
        const reward = ledger.rewards.get(a.rewardId as bigint) ?? null;
        const mint = txNftMints.find((m) => m.event.args.tokenId === a.tokenId && m.fact.how === "unexplained");
        if (mint) mint.fact.how = "exclusive";
        facts.push({ kind: "exclusive", event: e, merchant: a.merchant as string, reward: reward ? { ...reward } : null, isMerchant: ledger.merchants.has(a.merchant as string), paused: reward?.paused ?? false });
        break;
      }
      case "VoucherConsumed": {
        const tokenId = a.tokenId as bigint;
        const token = ledger.tokens.get(tokenId);
        const nonceKey = `${a.holder}:${a.nonce}`;
        facts.push({
          kind: "voucher", event: e, tokenId, holder: a.holder as string, merchant: a.merchant as string, owner: token?.owner ?? null,
          reward: ledger.rewards.get(rewardIdOf(tokenId)) ?? null, consumedBefore: token?.consumed ?? false, nonceUsedBefore: usedNonces.has(nonceKey),
        });
        if (token) token.consumed = true;
        usedNonces.add(nonceKey);
        break;
      }
      case "VoucherNonceCancelled":
        usedNonces.add(`${a.holder}:${a.nonce}`);
        break;
      default:
        break; // Approval, ApprovalForAll, EIP712DomainChanged
    }
  }
  closeTx();
  return ledger;
}
