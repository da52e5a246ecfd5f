/**
 * The read side of the mirror, for the web app, the audit and the benchmark: Prisma for most reads,
 * a prepared pg statement for the hottest one (a balance: ~0.04 ms instead of Prisma's ~0.25 ms).
 * Addresses may be given in any case; amounts come back as bigint.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../database/generated/client.ts";
import { createPool } from "../database/pool.ts";
import type { PointEventKind } from "../decode/index.ts";

export interface AccountView {
  address: string;
  balance: bigint;
  lifetimeEarned: bigint;
  tier: number;
  lastActivity: Date | null;
}

export interface HistoryItem {
  blockNumber: bigint;
  logIndex: number;
  txHash: string;
  timestamp: Date;
  kind: PointEventKind;
  from: string | null;
  to: string | null;
  amount: bigint;
  merchant: string | null;
  ref: string | null;
  rewardId: bigint | null;
  /** Signed change of the asked address's balance. */
  delta: bigint;
}

export interface MerchantDayTotal {
  merchant: string;
  day: Date;
  issued: bigint;
  issuances: number;
  clawedBack: bigint;
}

export interface DayTotal {
  day: Date;
  kind: PointEventKind;
  amount: bigint;
  count: number;
}

const norm = (address: string) => address.toLowerCase();

export class MirrorQueries {
  readonly prisma: InstanceType<typeof PrismaClient>;
  readonly pool: pg.Pool;

  constructor(databaseUrl: string, options: { poolSize?: number } = {}) {
    this.pool = createPool({ connectionString: databaseUrl, max: options.poolSize ?? 5, name: "loyalty-query" });
    this.prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 5 }) });
  }

  async close() {
    await Promise.all([this.pool.end(), this.prisma.$disconnect()]);
  }

  /** Points held by `address` (0 for an unknown account). */
  async getBalance(address: string): Promise<bigint> {
    const { rows } = await this.pool.query({ name: "mirror_balance", text: "SELECT balance::text AS b FROM accounts WHERE address = $1", values: [norm(address)] });
    return rows.length ? BigInt(rows[0].b) : 0n;
  }

  /** The same lookup through Prisma (kept for comparison in the benchmark). */
  async getBalancePrisma(address: string): Promise<bigint> {
    const a = await this.prisma.account.findUnique({ where: { address: norm(address) }, select: { balance: true } });
    return a ? BigInt(a.balance.toFixed(0)) : 0n;
  }

  async getAccount(address: string): Promise<AccountView | null> {
    const a = await this.prisma.account.findUnique({ where: { address: norm(address) } });
    if (!a) return null;
    return { address: a.address, balance: BigInt(a.balance.toFixed(0)), lifetimeEarned: BigInt(a.lifetimeEarned.toFixed(0)), tier: a.tier, lastActivity: a.lastActivity };
  }

  /** `address`'s points history, newest first; page 0 is the newest. */
  async getHistory(address: string, page = 0, pageSize = 20): Promise<HistoryItem[]> {
    const a = norm(address);
    const limit = Math.max(1, Math.min(pageSize, 500));
    const offset = Math.max(0, page) * limit;
    // Two index range scans (sender, recipient) merged: fast whatever the account's history size.
    const rows = await this.prisma.$queryRaw<
      { block_number: bigint; log_index: number; tx_hash: string; timestamp: Date; kind: PointEventKind; from_address: string | null; to_address: string | null; amount: string; merchant: string | null; ref: string | null; reward_id: string | null }[]
    >`SELECT block_number, log_index, tx_hash, timestamp, kind::text AS kind, from_address, to_address, amount::text AS amount, merchant, ref, reward_id::text AS reward_id
      FROM ((SELECT * FROM point_events WHERE from_address = ${a} ORDER BY block_number DESC, log_index DESC LIMIT ${limit + offset})
            UNION
            (SELECT * FROM point_events WHERE to_address = ${a} ORDER BY block_number DESC, log_index DESC LIMIT ${limit + offset})) h
      ORDER BY block_number DESC, log_index DESC LIMIT ${limit} OFFSET ${offset}`;
    return rows.map((r) => {
      const amount = BigInt(r.amount);
      const delta = (r.to_address === a ? amount : 0n) - (r.from_address === a ? amount : 0n);
      return {
        blockNumber: BigInt(r.block_number), logIndex: r.log_index, txHash: r.tx_hash, timestamp: r.timestamp, kind: r.kind,
        from: r.from_address, to: r.to_address, amount, merchant: r.merchant, ref: r.ref, rewardId: r.reward_id === null ? null : BigInt(r.reward_id), delta,
      };
    });
  }

  /** Accounts by balance, largest first. */
  async getHolders(options: { limit?: number; offset?: number } = {}): Promise<AccountView[]> {
    const rows = await this.prisma.account.findMany({
      where: { balance: { gt: 0 } },
      orderBy: [{ balance: "desc" }, { address: "asc" }],
      take: Math.min(options.limit ?? 50, 1000),
      skip: options.offset ?? 0,
    });
    return rows.map((a) => ({ address: a.address, balance: BigInt(a.balance.toFixed(0)), lifetimeEarned: BigInt(a.lifetimeEarned.toFixed(0)), tier: a.tier, lastActivity: a.lastActivity }));
  }

  /** Points issued and clawed back per merchant and UTC day (optionally one merchant, a time window). */
  async getMerchantDailyTotals(options: { merchant?: string; from?: Date; to?: Date } = {}): Promise<MerchantDayTotal[]> {
    const merchant = options.merchant ? norm(options.merchant) : null;
    const from = options.from ?? new Date(0);
    const to = options.to ?? new Date("9999-12-31T00:00:00Z");
    const rows = await this.prisma.$queryRaw<{ merchant: string; day: Date; issued: string; issuances: number; clawed: string }[]>`
      SELECT merchant, date_trunc('day', timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day,
        COALESCE(sum(amount) FILTER (WHERE kind = 'issuance'), 0)::text AS issued,
        (count(*) FILTER (WHERE kind = 'issuance'))::int AS issuances,
        COALESCE(sum(amount) FILTER (WHERE kind = 'clawback'), 0)::text AS clawed
      FROM point_events
      WHERE merchant IS NOT NULL AND (${merchant}::text IS NULL OR merchant = ${merchant}) AND timestamp >= ${from} AND timestamp < ${to}
      GROUP BY 1, 2 ORDER BY 2 DESC, 1`;
    return rows.map((r) => ({ merchant: r.merchant, day: r.day, issued: BigInt(r.issued), issuances: r.issuances, clawedBack: BigInt(r.clawed) }));
  }

  /** Amount and count of each kind of points event per UTC day. */
  async getDailyTotals(options: { from?: Date; to?: Date } = {}): Promise<DayTotal[]> {
    const from = options.from ?? new Date(0);
    const to = options.to ?? new Date("9999-12-31T00:00:00Z");
    const rows = await this.prisma.$queryRaw<{ day: Date; kind: PointEventKind; amount: string; count: number }[]>`
      SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, kind::text AS kind, sum(amount)::text AS amount, count(*)::int AS count
      FROM point_events WHERE timestamp >= ${from} AND timestamp < ${to} GROUP BY 1, 2 ORDER BY 1 DESC, 2`;
    return rows.map((r) => ({ day: r.day, kind: r.kind, amount: BigInt(r.amount), count: r.count }));
  }

  /** Supply and holder count as the mirror sees them. */
  async getTotals(): Promise<{ supply: bigint; holders: number; accounts: number; cursor: bigint | null }> {
    const { rows } = await this.pool.query(
      `SELECT COALESCE(sum(balance), 0)::text AS supply, count(*) FILTER (WHERE balance > 0)::int AS holders, count(*)::int AS accounts,
              (SELECT cursor_number::text FROM indexer_state WHERE id = 1) AS cursor FROM accounts`,
    );
    return { supply: BigInt(rows[0].supply), holders: rows[0].holders, accounts: rows[0].accounts, cursor: rows[0].cursor === null ? null : BigInt(rows[0].cursor) };
  }

  /** Reward NFTs held by `owner`, with their reward. */
  getTokensOf(owner: string) {
    return this.prisma.rewardToken.findMany({ where: { owner: norm(owner) }, include: { reward: true }, orderBy: { mintedBlock: "desc" } });
  }

  /** The reward catalog. */
  getRewards() {
    return this.prisma.reward.findMany({ orderBy: { id: "asc" } });
  }
}
