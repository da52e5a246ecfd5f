/**
 * The relayer's rows: relayer_accounts (the next nonce per relayer account and chain, locked FOR
 * UPDATE while nonces are handed out) and relayer_txs (every signed transaction, stored before it
 * is broadcast). Every statement the relayer runs is here; the parts that decide when to run them
 * are nonces.ts, broadcast.ts, receipts.ts and recovery.ts.
 */
import type { Address, Hash, Hex } from "viem";
import type { PoolLike, Queryable } from "../../../scripts/lib/queryable.ts";

export interface TxRow {
  id: string;
  hash: Hash;
  status: string;
  nonce: string;
  raw: Hex;
  to: string;
  data: Hex;
  kind: string;
  block_number: string | null;
  last_error: string | null;
  idempotency_key: string | null;
}

/** A signed transaction to store: "call" (the relayer's own), "forward" (a member's request). */
export interface NewTx {
  idempotencyKey: string | null;
  kind: "call" | "forward";
  nonce: bigint;
  to: Address;
  data: Hex;
  raw: Hex;
  hash: Hash;
}

export interface ReceiptRecord {
  id: string;
  status: "confirmed" | "reverted";
  blockNumber: bigint;
  /** Why it reverted (the custom error's name), null otherwise. */
  reason: string | null;
}

const COLUMNS = `id::text, hash, status, nonce::text, raw, "to", data, kind, block_number::text, last_error, idempotency_key`;

/** Runs `work` in one transaction on one connection; a connection that failed is discarded, not reused. */
export async function inTransaction<T>(pool: PoolLike, work: (db: Queryable) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  let result: T;
  try {
    await db.query("BEGIN");
    result = await work(db);
    await db.query("COMMIT");
  } catch (e) {
    await db.query("ROLLBACK").catch(() => {});
    db.release(true);
    throw e;
  }
  db.release();
  return result;
}

export class TxStore {
  private readonly me: string;

  constructor(
    readonly pool: PoolLike,
    address: Address,
    private readonly chainId: number,
  ) {
    this.me = address.toLowerCase();
  }

  // ------------------------------------------------------------------ relayer_txs

  async byKey(key: string): Promise<TxRow | null> {
    const { rows } = await this.pool.query<TxRow>(`SELECT ${COLUMNS} FROM relayer_txs WHERE idempotency_key = $1`, [key]);
    return rows[0] ?? null;
  }

  async byKeys(db: Queryable, keys: string[]): Promise<Map<string, TxRow>> {
    const known = new Map<string, TxRow>();
    if (!keys.length) return known;
    const { rows } = await db.query<TxRow>(`SELECT ${COLUMNS} FROM relayer_txs WHERE idempotency_key = ANY($1)`, [keys]);
    for (const row of rows) known.set(row.idempotency_key!, row);
    return known;
  }

  /** Transactions signed and not known to be mined (queued or sent), in nonce order. */
  async open(db: Queryable): Promise<TxRow[]> {
    const { rows } = await db.query<TxRow>(
      `SELECT ${COLUMNS} FROM relayer_txs WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent') ORDER BY nonce, id`,
      [this.me, this.chainId],
    );
    return rows;
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM relayer_txs WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent')`, [this.me, this.chainId]);
    return rows[0]!.n;
  }

  /** Stores a batch of signed transactions as 'queued'; their ids in the same order. */
  async insertSigned(db: Queryable, txs: NewTx[]): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO relayer_txs (idempotency_key, kind, relayer, chain_id, nonce, "to", data, raw, hash, status)
       SELECT k, kind, $1, $2, n, t, d, r, h, 'queued'
       FROM unnest($3::text[], $4::relayer_tx_kind[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS u(k, kind, n, t, d, r, h, ord)
       ORDER BY ord RETURNING id::text`,
      [
        this.me,
        this.chainId,
        txs.map((t) => t.idempotencyKey),
        txs.map((t) => t.kind),
        txs.map((t) => t.nonce.toString()),
        txs.map((t) => t.to.toLowerCase()),
        txs.map((t) => t.data),
        txs.map((t) => t.raw),
        txs.map((t) => t.hash),
      ],
    );
    return rows.map((r) => r.id);
  }

  /** Stores a nonce filler (a 0-value self-transfer) as 'queued'. */
  async insertFill(db: Queryable, nonce: bigint, raw: Hex, hash: Hash, why: string): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO relayer_txs (kind, relayer, chain_id, nonce, "to", data, raw, hash, status, last_error) VALUES ('fill', $1, $2, $3, $4, '0x', $5, $6, 'queued', $7) RETURNING id::text`,
      [this.me, this.chainId, nonce, this.me, raw, hash, why],
    );
    return rows[0]!.id;
  }

  /** A node accepted these. `onlyQueued`: a row the receipt watcher already settled keeps its status. */
  async markSent(db: Queryable, ids: string[], onlyQueued = true): Promise<void> {
    if (!ids.length) return;
    await db.query(`UPDATE relayer_txs SET status = 'sent', attempts = attempts + 1, updated_at = now() WHERE id = ANY($1::bigint[])${onlyQueued ? ` AND status = 'queued'` : ""}`, [ids]);
  }

  async markFillSent(db: Queryable, id: string): Promise<void> {
    await db.query(`UPDATE relayer_txs SET status = 'sent', attempts = 1 WHERE id = $1`, [id]);
  }

  /**
   * Never mined. `releaseKey`: the caller's idempotency key is freed, so that a retry with the same
   * key is signed anew instead of answered with this failure.
   */
  async markFailed(db: Queryable, id: string, error: string, releaseKey = false): Promise<void> {
    await db.query(`UPDATE relayer_txs SET status = 'failed', last_error = $2,${releaseKey ? " idempotency_key = NULL," : ""} updated_at = now() WHERE id = $1`, [id, error]);
  }

  /** A reset chain: what was sent to the old one never happened on this one. */
  async abandonOpen(db: Queryable, why: string): Promise<number> {
    const r = await db.query(`UPDATE relayer_txs SET status = 'failed', last_error = $3, updated_at = now() WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent')`, [this.me, this.chainId, why]);
    return r.rowCount ?? 0;
  }

  /** Receipts, in one statement. */
  async recordReceipts(db: Queryable, records: ReceiptRecord[]): Promise<void> {
    await db.query(
      `UPDATE relayer_txs AS t SET status = u.s, block_number = u.b, last_error = COALESCE(u.e, t.last_error), updated_at = now()
       FROM unnest($1::bigint[], $2::relayer_tx_status[], $3::bigint[], $4::text[]) AS u(id, s, b, e) WHERE t.id = u.id`,
      [records.map((r) => r.id), records.map((r) => r.status), records.map((r) => r.blockNumber.toString()), records.map((r) => r.reason)],
    );
  }

  // ------------------------------------------------------------------ relayer_accounts (the nonce row)

  /** Creates the nonce row on first use (no-op when it exists). */
  async ensureAccount(db: Queryable, nonce: number, genesisHash: Hash): Promise<void> {
    await db.query(`INSERT INTO relayer_accounts (address, chain_id, next_nonce, genesis_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [this.me, this.chainId, nonce, genesisHash]);
  }

  /** Locks the nonce row until the end of `db`'s transaction: no other server hands out nonces meanwhile. */
  async lockAccount(db: Queryable): Promise<{ nextNonce: bigint; genesisHash: string }> {
    const { rows } = await db.query<{ next_nonce: string; genesis_hash: string }>(
      `SELECT next_nonce, genesis_hash FROM relayer_accounts WHERE address = $1 AND chain_id = $2 FOR UPDATE`,
      [this.me, this.chainId],
    );
    return { nextNonce: BigInt(rows[0]!.next_nonce), genesisHash: rows[0]!.genesis_hash };
  }

  async setNextNonce(db: Queryable, next: bigint): Promise<void> {
    await db.query(`UPDATE relayer_accounts SET next_nonce = $3, updated_at = now() WHERE address = $1 AND chain_id = $2`, [this.me, this.chainId, next]);
  }

  /** Never lowers it: another server may have handed out more meanwhile. */
  async raiseNextNonce(atLeast: number): Promise<void> {
    await this.pool.query(`UPDATE relayer_accounts SET next_nonce = GREATEST(next_nonce, $3) WHERE address = $1 AND chain_id = $2`, [this.me, this.chainId, atLeast]);
  }

  async setGenesis(db: Queryable, genesisHash: Hash): Promise<void> {
    await db.query(`UPDATE relayer_accounts SET genesis_hash = $3 WHERE address = $1 AND chain_id = $2`, [this.me, this.chainId, genesisHash]);
  }
}
