/**
 * What the pages read. Everything comes from the indexer's Postgres mirror (indexer/database/
 * schema/mirror.prisma); nothing here scans the chain. Amounts are bigint whole points.
 */
import type { PointEventKind } from "../../../contracts/spec/index.ts";
import type { HistoryItem } from "../../../indexer/query/index.ts";

export type { PointEventKind };

export interface ProgramSettingsView {
  tierThresholds: bigint[];
  /** Seconds of inactivity after which a balance may be expired (0: never). */
  inactivityPeriod: bigint;
  paused: boolean;
}

export interface MirrorStatus {
  chainId: number;
  cursorNumber: bigint;
  finalizedNumber: bigint;
  /** Time of the newest block the mirror applied: the program's "now" for rules and charts. */
  latestTimestamp: Date | null;
}

export interface MerchantView {
  address: string;
  name: string;
  allowance: bigint;
  active: boolean;
}

export interface CharityView {
  address: string;
  name: string;
}

export interface CatalogReward {
  id: bigint;
  merchant: string;
  merchantName: string | null;
  cost: bigint;
  supplyCap: bigint;
  minted: bigint;
  minTier: number;
  /** Unix seconds; 0: no bound. */
  validFrom: bigint;
  validUntil: bigint;
  soulbound: boolean;
  mintOnly: boolean;
  category: number;
  name: string;
  description: string;
  image: string;
  paused: boolean;
  /** The reward's merchant is still in the coalition: an offboarded merchant's rewards cannot be redeemed. */
  merchantActive: boolean;
}

export interface OwnedToken {
  tokenId: bigint;
  rewardId: bigint;
  name: string;
  description: string;
  image: string;
  category: number;
  soulbound: boolean;
  consumed: boolean;
  merchant: string;
  merchantName: string | null;
  mintedAt: Date;
}

export interface NextTier {
  tier: number;
  threshold: bigint;
  /** Lifetime points still to earn. */
  remaining: bigint;
  /** Progress from the current tier's threshold to the next one, in per-mille. */
  progressPermille: number;
}

export interface MemberOverview {
  address: string;
  /** The mirror has seen this account. */
  known: boolean;
  balance: bigint;
  lifetimeEarned: bigint;
  tier: number;
  lastActivity: Date | null;
  /** When anyone may expire the balance (null: no rule or nothing to expire). */
  expiresAt: Date | null;
  nextTier: NextTier | null;
  tokens: OwnedToken[];
}

export interface HistoryRow {
  id: string;
  txHash: string;
  blockNumber: bigint;
  logIndex: number;
  timestamp: Date;
  kind: PointEventKind;
  /** Points came in or went out, seen from the account asked for. */
  direction: "in" | "out";
  amount: bigint;
  counterparty: string | null;
  counterpartyName: string | null;
  merchant: string | null;
  merchantName: string | null;
  rewardId: bigint | null;
  rewardName: string | null;
}

export interface HistoryPage {
  rows: HistoryRow[];
  page: number;
  /** Cursor of the next (older) page, null at the end. */
  nextCursor: string | null;
  /** Cursor of the previous (newer) page, null on the first. */
  prevCursor: string | null;
}

export interface ProgramStats {
  pointsInCirculation: bigint;
  members: number;
  rewardsRedeemed: number;
  merchants: MerchantView[];
  charities: CharityView[];
  settings: ProgramSettingsView;
  status: MirrorStatus | null;
}

export interface AuditRow {
  address: string;
  /** Mirror balance as of the audited block. */
  mirrorBalance: bigint;
}

export interface AuditSnapshot {
  /** The block every figure is taken at: the mirror's latest final block. */
  block: bigint;
  accounts: number;
  /** Σ mirror balances at `block`. */
  mirrorTotal: bigint;
}

/** One row of an account's trail on the auditor's page: the mirror's history row as it is. */
export type TrailRow = Omit<HistoryItem, "ref" | "delta">;

export interface DailyPoint {
  /** YYYY-MM-DD in the program's time zone. */
  day: string;
  value: bigint;
}

export interface MerchantAnalytics {
  days: string[];
  issued: DailyPoint[];
  redeemed: DailyPoint[];
  outstanding: DailyPoint[];
  /** Active members per period of `periodDays`, oldest first. */
  activeMembers: { start: string; count: number }[];
  periodDays: number;
  retention: { earlier: number; both: number };
  tierDistribution: { tier: number; count: number }[];
}
