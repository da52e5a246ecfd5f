/** The points history: an account's pages, its trail for the audit, a transaction's rows. */
import type { PointEventKind } from "../../contracts/spec/index.ts";
import { big, norm, type MirrorDb } from "./db.ts";

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

interface HistorySqlRow {
  block_number: bigint;
  log_index: number;
  tx_hash: string;
  timestamp: Date;
  kind: PointEventKind;
  from_address: string | null;
  to_address: string | null;
  amount: string;
  merchant: string | null;
  ref: string | null;
  reward_id: string | null;
}

const item = (a: string) => (r: HistorySqlRow): HistoryItem => {
  const amount = BigInt(r.amount);
  return {
    blockNumber: big(r.block_number),
    logIndex: r.log_index,
    txHash: r.tx_hash,
    timestamp: r.timestamp,
    kind: r.kind,
    from: r.from_address,
    to: r.to_address,
    amount,
    merchant: r.merchant,
    ref: r.ref,
    rewardId: r.reward_id === null ? null : BigInt(r.reward_id),
    delta: (r.to_address === a ? amount : 0n) - (r.from_address === a ? amount : 0n),
  };
};

export function historyQueries({ prisma }: MirrorDb) {
  return {
    /** `address`'s points history, newest first; page 0 is the newest. */
    async page(address: string, page = 0, pageSize = 20): Promise<HistoryItem[]> {
      const a = norm(address);
      const limit = Math.max(1, Math.min(pageSize, 500));
      const offset = Math.max(0, page) * limit;
      // Two index range scans (sender, recipient) merged: fast whatever the account's history size.
      const rows = await prisma.$queryRaw<HistorySqlRow[]>`
        SELECT block_number, log_index, tx_hash, timestamp, kind::text AS kind, from_address, to_address, amount::text AS amount, merchant, ref, reward_id::text AS reward_id
        FROM ((SELECT * FROM point_events WHERE from_address = ${a} ORDER BY block_number DESC, log_index DESC LIMIT ${limit + offset})
              UNION
              (SELECT * FROM point_events WHERE to_address = ${a} ORDER BY block_number DESC, log_index DESC LIMIT ${limit + offset})) h
        ORDER BY block_number DESC, log_index DESC LIMIT ${limit} OFFSET ${offset}`;
      return rows.map(item(a));
    },

    /** Every row touching `address`, newest first, at most `limit` (the auditor's account trail). */
    async trail(address: string, limit = 500): Promise<HistoryItem[]> {
      const a = norm(address);
      const rows = await prisma.$queryRaw<HistorySqlRow[]>`
        SELECT block_number, log_index, tx_hash, timestamp, kind::text AS kind, from_address, to_address, amount::text AS amount, merchant, ref, reward_id::text AS reward_id
        FROM point_events WHERE from_address = ${a} OR to_address = ${a}
        ORDER BY block_number DESC, log_index DESC LIMIT ${limit}`;
      return rows.map(item(a));
    },

    /** How many mirror rows (history and program events) one transaction left. */
    async rowsOfTransaction(txHash: string): Promise<number> {
      const [points, program] = await Promise.all([
        prisma.pointEvent.count({ where: { txHash: norm(txHash) } }),
        prisma.programEvent.count({ where: { txHash: norm(txHash) } }),
      ]);
      return points + program;
    },
  };
}
