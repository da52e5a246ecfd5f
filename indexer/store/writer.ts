/**
 * Who writes the mirror and what it mirrors: the writer's advisory lock (one writer per database;
 * held by the writer's connection, so losing the connection loses the lock), the mirror's identity
 * (chain, genesis, contracts) and its cursor.
 */
import type pg from "pg";
import type { Hex } from "viem";
import { ChainMismatchError, CursorMovedError, type ChainIdentity, type Cursor } from "./types.ts";

export const WRITER_LOCK_KEY = 0x1d3a_0003;

const MIRROR_TABLES = [
  "point_events", "program_events", "nft_transfers", "reward_tokens", "rewards", "accounts",
  "merchants", "charities", "program_settings", "blocks", "indexer_state",
];

/** Waits until this connection is THE writer (session advisory lock). */
export async function acquireWriterLock(c: pg.ClientBase, onWait?: () => void, pollMs = 500, signal?: AbortSignal) {
  let warned = false;
  for (;;) {
    const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WRITER_LOCK_KEY]);
    if (rows[0].ok) return;
    if (!warned) onWait?.();
    warned = true;
    if (signal?.aborted) throw new Error("aborted while waiting for the writer lock");
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Throws unless the database answers and its cursor is `cursor` (another writer, a reset, a lost batch). */
export async function checkCursor(c: pg.ClientBase, cursor: { number: bigint; hash: Hex | null }) {
  const { rows } = await c.query(`SELECT cursor_number, cursor_hash FROM indexer_state WHERE id = 1`);
  if (!rows[0] || BigInt(rows[0].cursor_number) !== cursor.number || rows[0].cursor_hash !== cursor.hash) {
    throw new CursorMovedError(`the mirror's cursor is ${rows[0] ? `${rows[0].cursor_number}/${rows[0].cursor_hash}` : "gone"}, this writer expected ${cursor.number}/${cursor.hash}`);
  }
}

/** The mirror's identity and cursor (null: an empty mirror), and the tier thresholds it holds. */
export async function readState(c: pg.ClientBase): Promise<{ state: (ChainIdentity & Cursor) | null; thresholds: bigint[] }> {
  const { rows } = await c.query(
    `SELECT chain_id, genesis_hash, points_address, rewards_address, start_block, cursor_number, cursor_hash,
            finalized_number, events_applied FROM indexer_state WHERE id = 1`,
  );
  const settings = await c.query<{ t: string[] | null }>(`SELECT tier_thresholds::text[] AS t FROM program_settings WHERE id = 1`);
  const thresholds = (settings.rows[0]?.t ?? []).map(BigInt);
  const r = rows[0];
  if (!r) return { state: null, thresholds };
  return {
    state: {
      chainId: r.chain_id,
      genesisHash: r.genesis_hash,
      pointsAddress: r.points_address,
      rewardsAddress: r.rewards_address,
      startBlock: BigInt(r.start_block),
      number: BigInt(r.cursor_number),
      hash: r.cursor_hash,
      finalized: BigInt(r.finalized_number),
      eventsApplied: BigInt(r.events_applied),
    },
    thresholds,
  };
}

/** Throws unless a stored mirror follows `id` (another chain or deployment: nothing is changed). */
export function checkIdentity(state: ChainIdentity, id: ChainIdentity) {
  const problems: string[] = [];
  if (state.chainId !== id.chainId) problems.push(`chain id ${state.chainId} (the RPC is ${id.chainId})`);
  else if (state.genesisHash !== id.genesisHash) problems.push(`genesis ${state.genesisHash} (the RPC's is ${id.genesisHash}: the chain was restarted)`);
  if (state.pointsAddress !== id.pointsAddress || state.rewardsAddress !== id.rewardsAddress) {
    problems.push(`contracts ${state.pointsAddress}/${state.rewardsAddress} (the deployment has ${id.pointsAddress}/${id.rewardsAddress})`);
  }
  if (problems.length) {
    throw new ChainMismatchError(
      `the database mirrors another chain or deployment: ${problems.join("; ")}. ` +
        "Nothing was changed. Run with --reset to erase this mirror and rebuild it, or use another DATABASE_URL.",
    );
  }
}

/** Starts an empty mirror of `id`; returns its cursor (just before the start block). */
export async function startMirror(c: pg.ClientBase, id: ChainIdentity): Promise<Cursor> {
  await c.query(
    `INSERT INTO indexer_state (id, chain_id, genesis_hash, points_address, rewards_address, start_block, cursor_number, cursor_hash, updated_at)
     VALUES (1, $1, $2, $3, $4, $5, $6, NULL, now())`,
    [id.chainId, id.genesisHash, id.pointsAddress, id.rewardsAddress, id.startBlock.toString(), (id.startBlock - 1n).toString()],
  );
  await c.query(`INSERT INTO program_settings (id, tier_thresholds) VALUES (1, '{}') ON CONFLICT DO NOTHING`);
  return { number: id.startBlock - 1n, hash: null, finalized: -1n, eventsApplied: 0n };
}

/** Erases the whole mirror (not the migrations). */
export async function eraseMirror(c: pg.ClientBase) {
  await c.query(`TRUNCATE ${MIRROR_TABLES.map((t) => `"${t}"`).join(", ")}`);
}
