/** `point_events`: the points history, one row per Transfer (its semantic event folded in). */
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { countFolded } from "../projection.ts";

/** Apply: the batch's history rows, already in COPY text (projection.copyText). */
export async function copyHistory(c: pg.ClientBase, chunks: string[]) {
  if (!chunks.length) return;
  const stream = c.query(
    copyFrom(
      `COPY point_events (block_number, log_index, transfer_index, tx_hash, timestamp, kind, from_address, to_address, amount, merchant, ref, reward_id, triggered_by) FROM STDIN`,
    ),
  );
  await pipeline(Readable.from(chunks), stream);
}

/** Rollback: deletes the history above `block`; returns the accounts it touched and the logs it stood for. */
export async function deleteHistoryAbove(c: pg.ClientBase, block: string): Promise<{ touched: Set<string>; logs: number }> {
  const removed = await c.query(
    `DELETE FROM point_events WHERE block_number > $1 RETURNING from_address, to_address, log_index <> transfer_index AS folded`,
    [block],
  );
  const touched = new Set<string>();
  for (const r of removed.rows) {
    if (r.from_address) touched.add(r.from_address);
    if (r.to_address) touched.add(r.to_address);
  }
  return { touched, logs: (removed.rowCount ?? 0) + countFolded(removed.rows) };
}
