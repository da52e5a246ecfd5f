/** `blocks` (the hashes the reorg check compares) and the cursor in `indexer_state`. */
import type pg from "pg";
import type { BlockHeader } from "../../rpc/client.ts";
import { CursorMovedError, type Batch } from "../types.ts";

/** Apply, first: locks the cursor row and refuses a batch that does not start where the mirror is. */
export async function lockCursorFor(c: pg.ClientBase, batch: Batch) {
  const { rows } = await c.query(`SELECT cursor_number, cursor_hash FROM indexer_state WHERE id = 1 FOR UPDATE`);
  if (!rows[0]) throw new CursorMovedError("the mirror has no state row (was it reset?)");
  if (BigInt(rows[0].cursor_number) !== batch.fromBlock - 1n) {
    throw new CursorMovedError(`cursor is at ${rows[0].cursor_number}, batch starts at ${batch.fromBlock}`);
  }
  if (rows[0].cursor_hash && batch.parentHash && rows[0].cursor_hash !== batch.parentHash) {
    throw new CursorMovedError(
      `block ${batch.fromBlock} does not follow the cursor: its parent is ${batch.parentHash}, the cursor's block ${rows[0].cursor_hash} (a reorg at the cursor)`,
    );
  }
}

/** Apply, last: the batch's headers, finality, and the cursor moved to its last block. */
export async function advanceCursor(c: pg.ClientBase, batch: Batch) {
  const blocks = batch.blocks;
  await c.query(
    `INSERT INTO blocks (number, hash, parent_hash, timestamp, finalized)
     SELECT n, h, p, to_timestamp(t), n <= $5 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS u(n, h, p, t)`,
    [blocks.map((b) => b.number.toString()), blocks.map((b) => b.hash), blocks.map((b) => b.parentHash), blocks.map((b) => b.timestamp), batch.finalized.toString()],
  );
  await c.query(`UPDATE blocks SET finalized = true WHERE number <= $1 AND NOT finalized`, [batch.finalized.toString()]);
  await c.query(
    `UPDATE indexer_state SET cursor_number = $1, cursor_hash = $2, finalized_number = GREATEST(finalized_number, $3),
       events_applied = events_applied + $4, updated_at = now() WHERE id = 1`,
    [batch.to.number.toString(), batch.to.hash, batch.finalized.toString(), batch.events.length],
  );
}

/** Rollback, first: locks the cursor row; returns whether blocks marked final are above the ancestor. */
export async function lockCursorForRollback(c: pg.ClientBase, ancestor: BlockHeader): Promise<{ undidFinal: boolean }> {
  const { rows } = await c.query(`SELECT finalized_number FROM indexer_state WHERE id = 1 FOR UPDATE`);
  return { undidFinal: BigInt(rows[0].finalized_number) > ancestor.number };
}

/** Rollback, last: the blocks above the ancestor go, the cursor moves back to it. */
export async function rewindCursor(c: pg.ClientBase, ancestor: BlockHeader, logsUndone: number) {
  const n = ancestor.number.toString();
  await c.query(`DELETE FROM blocks WHERE number > $1`, [n]);
  await c.query(
    `UPDATE indexer_state SET cursor_number = $1, cursor_hash = $2, finalized_number = LEAST(finalized_number, $1),
       events_applied = events_applied - $3, updated_at = now() WHERE id = 1`,
    [n, ancestor.hash, logsUndone],
  );
}

/** Stored block hashes at or below `number`, newest first (for the common-ancestor search). */
export async function storedBlocks(c: pg.ClientBase, number: bigint, limit = 64): Promise<BlockHeader[]> {
  const { rows } = await c.query(
    `SELECT number, hash, parent_hash, extract(epoch FROM timestamp)::bigint AS ts FROM blocks WHERE number <= $1 ORDER BY number DESC LIMIT $2`,
    [number.toString(), limit],
  );
  return rows.map((r) => ({ number: BigInt(r.number), hash: r.hash, parentHash: r.parent_hash, timestamp: Number(r.ts) }));
}
