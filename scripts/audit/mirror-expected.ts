/**
 * What the Postgres mirror must hold, derived from the chain's events alone, in the shape of the
 * mirror's schema (indexer/database/schema/mirror.prisma): one normalized row (every field as text) per
 * table row, keyed by the table's primary key. Pure. The indexer's code is not used: the schema
 * and its documented meaning are the contract.
 *
 *  - point_events: one row per ERC-20 Transfer; a mint/burn (or a donation's transfer) carries the
 *    log index of the event that explains it (PointsIssued, PointsClawedBack, PointsRedeemed,
 *    PointsExpired, PointsDonated) and `transfer_index` the Transfer's own; other transfers are
 *    `transfer` rows at their own index.
 *  - program_events: every other event of the two contracts except the ERC-721 Transfer.
 *  - nft_transfers: every ERC-721 Transfer. accounts, reward_tokens, rewards, merchants,
 *    charities, program_settings: the state at the pinned block.
 */
import { tierFor } from "../../contracts/spec/index.ts";
import type { Ledger } from "./derive-ledger.ts";
import type { AuditEvent, EventRef } from "./types.ts";
import { eventRef } from "./types.ts";

export type Row = Record<string, string>;

export interface TableRows {
  /** Primary key (as text) → row. */
  rows: Map<string, Row>;
  /** Events behind each expected row, cited in discrepancies. */
  sources: Map<string, EventRef[]>;
  /** The account a row is about (for the report's account column). */
  subjects: Map<string, string>;
}

export type MirrorTables = Record<string, TableRows>;

const FOLDED = new Set(["PointsIssued", "PointsClawedBack", "PointsRedeemed", "PointsExpired", "PointsDonated"]);

/** Canonical JSON: object keys sorted, bigints as decimal strings. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string") return v;
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

const t = () => ({ rows: new Map<string, Row>(), sources: new Map<string, EventRef[]>(), subjects: new Map<string, string>() });
const opt = (v: unknown) => (v === null || v === undefined ? "" : String(v));

export function expectedMirror(
  ledger: Ledger,
  events: readonly AuditEvent[],
  /** Block → timestamp, for blocks whose logs carried none. */
  timestamps: ReadonlyMap<number, number>,
): MirrorTables {
  const time = (e: AuditEvent) => opt(e.timestamp ?? timestamps.get(e.blockNumber));
  const tables: MirrorTables = {
    accounts: t(), point_events: t(), program_events: t(), nft_transfers: t(), reward_tokens: t(), rewards: t(), merchants: t(), charities: t(), program_settings: t(),
  };

  for (const a of ledger.accounts.values()) {
    tables.accounts.rows.set(a.address, {
      balance: String(a.balance),
      lifetime_earned: String(a.earned),
      tier: String(tierFor(a.earned, ledger.thresholds)),
      last_activity: a.lastActivity ? time(a.lastActivity) : "",
    });
    tables.accounts.subjects.set(a.address, a.address);
    if (a.lastActivity) tables.accounts.sources.set(a.address, [eventRef(a.lastActivity)]);
  }

  for (const m of ledger.moves) {
    const at = m.explainedBy ?? m.transfer;
    const key = `${at.blockNumber}:${at.logIndex}`;
    tables.point_events.rows.set(key, {
      tx_hash: at.txHash.toLowerCase(),
      transfer_index: String(m.transfer.logIndex),
      timestamp: time(at),
      kind: m.kind,
      from_address: opt(m.from),
      to_address: opt(m.to),
      amount: String(m.amount),
      merchant: opt(m.merchant),
      ref: opt(m.ref),
      reward_id: opt(m.rewardId),
      triggered_by: opt(m.triggeredBy),
    });
    tables.point_events.sources.set(key, m.explainedBy ? [eventRef(m.transfer), eventRef(m.explainedBy)] : [eventRef(m.transfer)]);
    tables.point_events.subjects.set(key, m.from ?? m.to ?? "");
  }

  for (const e of events) {
    const key = `${e.blockNumber}:${e.logIndex}`;
    if (e.name === "Transfer") {
      if (e.contract === "RewardNFT") {
        tables.nft_transfers.rows.set(key, {
          tx_hash: e.txHash.toLowerCase(), timestamp: time(e), token_id: String(e.args.tokenId), from_address: e.args.from, to_address: e.args.to,
        });
        tables.nft_transfers.sources.set(key, [eventRef(e)]);
        tables.nft_transfers.subjects.set(key, e.args.to);
      }
      continue;
    }
    if (e.contract === "LoyaltyPoints" && FOLDED.has(e.name)) continue;
    tables.program_events.rows.set(key, {
      tx_hash: e.txHash.toLowerCase(), timestamp: time(e), contract: e.contract, name: e.name, args: canonicalJson(e.args),
    });
    tables.program_events.sources.set(key, [eventRef(e)]);
    tables.program_events.subjects.set(key, String(e.args.merchant ?? e.args.member ?? e.args.holder ?? e.args.account ?? e.args.owner ?? e.contract));
  }

  for (const tok of ledger.tokens.values()) {
    const key = String(tok.tokenId);
    tables.reward_tokens.rows.set(key, { reward_id: String(tok.rewardId), owner: tok.owner, consumed: String(tok.consumed), minted_block: String(tok.minted.blockNumber) });
    tables.reward_tokens.sources.set(key, [eventRef(tok.minted)]);
    tables.reward_tokens.subjects.set(key, tok.owner);
  }
  for (const r of ledger.rewards.values()) {
    const key = String(r.rewardId);
    const meta = r.created.args.metadata as { name: string; description: string; image: string };
    const terms = r.created.args.terms as { category: number | bigint };
    tables.rewards.rows.set(key, {
      merchant: r.merchant, cost: String(r.cost), supply_cap: String(r.supplyCap), min_tier: String(r.minTier), valid_from: String(r.validFrom),
      valid_until: String(r.validUntil), soulbound: String(r.soulbound), mint_only: String(r.mintOnly), category: String(terms.category),
      name: meta.name, description: meta.description, image: meta.image, paused: String(r.paused), minted: String(r.minted),
    });
    tables.rewards.sources.set(key, [eventRef(r.created)]);
    tables.rewards.subjects.set(key, `reward:${key}`);
  }
  for (const [address, name] of ledger.merchantNames) {
    tables.merchants.rows.set(address, { name, allowance: String(ledger.allowances.get(address) ?? 0n), active: String(ledger.merchantActive.get(address) ?? false) });
    tables.merchants.subjects.set(address, address);
  }
  for (const [address, c] of ledger.charities) {
    tables.charities.rows.set(address, { name: c.name, active: String(c.active) });
    tables.charities.subjects.set(address, address);
  }
  tables.program_settings.rows.set("1", {
    tier_thresholds: ledger.thresholds.join(","), inactivity_period: String(ledger.inactivityPeriod), paused: String(ledger.paused),
  });
  tables.program_settings.subjects.set("1", "LoyaltyPoints");
  return tables;
}
