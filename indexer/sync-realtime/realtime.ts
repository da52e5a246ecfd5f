/**
 * Realtime: from the cursor to the chain head, block headers checked link by link. A parent-hash
 * mismatch (or a cursor block no longer canonical) is a reorg: find the common ancestor among the
 * stored block hashes, roll the mirror back to it, then re-apply the new chain. `reconcile` runs the
 * same search when the indexer (re)starts, for the reorgs that happened while it was not watching.
 */
import type { Hex } from "viem";
import { decodeLogs } from "../decode/index.ts";
import type { LoggingAddresses } from "../../contracts/spec/index.ts";
import type { BlockHeader, RpcClient } from "../rpc/client.ts";
import { DeepReorgError, type Batch, type Cursor, type Store } from "../store/store.ts";
import { InconsistentFetchError } from "../sync-historical/backfill.ts";

export interface ReorgInfo {
  from: bigint;
  ancestor: bigint;
  depth: bigint;
  /** Blocks marked final were undone (a reorg deeper than the confirmations). */
  undidFinal: boolean;
}

export interface RealtimeContext {
  rpc: RpcClient;
  store: Store;
  addresses: LoggingAddresses;
  confirmations: bigint;
  /** Most blocks applied in one step (one transaction). */
  maxBlocks?: bigint;
  onReorg?: (info: ReorgInfo) => void;
}

/** `headAt`: when the head was asked for (Date.now()), so that callers know how fresh a check is. */
export type StepResult =
  | { kind: "idle"; head: bigint; headAt: number }
  | { kind: "applied"; head: bigint; headAt: number; cursor: Cursor; events: number; blocks: number }
  | { kind: "reorg"; head: bigint; headAt: number; cursor: Cursor; ancestor: bigint }
  | { kind: "retry"; head: bigint; headAt: number; reason: string };

/** Stored block hashes compared with the chain per round trip when looking for the common ancestor. */
const WINDOW = 64;

const range = (a: bigint, b: bigint) => {
  const out: bigint[] = [];
  for (let n = a; n <= b; n++) out.push(n);
  return out;
};

/** One realtime step from `cursor`; returns what happened (the caller keeps the new cursor). */
export async function realtimeStep(ctx: RealtimeContext, cursor: Cursor): Promise<StepResult> {
  const { rpc, store } = ctx;
  const headAt = Date.now();
  const head = await rpc.blockNumber();
  const last = head < cursor.number + (ctx.maxBlocks ?? 500n) ? head : cursor.number + (ctx.maxBlocks ?? 500n);
  const numbers = cursor.hash && cursor.number >= 0n ? [cursor.number, ...range(cursor.number + 1n, last)] : range(cursor.number + 1n, last);
  if (numbers.length === 0) return { kind: "idle", head, headAt };
  const headers = await rpc.getBlocks(numbers);

  // Is the cursor's block still canonical?
  if (cursor.hash && cursor.number >= 0n) {
    const current = headers[0];
    if (!current || current.hash !== cursor.hash) return reorg(ctx, cursor, head, headAt);
    headers.shift();
  }
  if (headers.length === 0) return { kind: "idle", head, headAt };
  let parent = cursor.hash;
  const chain: BlockHeader[] = [];
  for (const h of headers) {
    if (!h) break; // the head moved back while we asked: take what links
    if (parent && h.parentHash !== parent) {
      if (chain.length === 0) return reorg(ctx, cursor, head, headAt);
      break;
    }
    chain.push(h);
    parent = h.hash;
  }
  if (chain.length === 0) return { kind: "retry", head, headAt, reason: "no linked header" };
  const to = chain[chain.length - 1];
  const logs = await rpc.getLogs({ address: [ctx.addresses.points as Hex, ctx.addresses.rewards as Hex], fromBlock: cursor.number + 1n, toBlock: to.number });
  const hashes = new Map(chain.map((h) => [h.number, h.hash]));
  for (const l of logs) {
    if (hashes.get(BigInt(l.blockNumber)) !== l.blockHash || l.removed) {
      return { kind: "retry", head, headAt, reason: new InconsistentFetchError(`block ${BigInt(l.blockNumber)} changed while fetched`).message };
    }
  }
  const events = decodeLogs(logs, ctx.addresses);
  const finalized = head - ctx.confirmations;
  const batch: Batch = { fromBlock: cursor.number + 1n, parentHash: chain[0].parentHash, to, blocks: chain, events, finalized };
  const applied = await store.apply(batch);
  const next: Cursor = {
    number: to.number,
    hash: to.hash,
    finalized: finalized > cursor.finalized ? finalized : cursor.finalized,
    eventsApplied: cursor.eventsApplied + BigInt(applied),
  };
  return { kind: "applied", head, headAt, cursor: next, events: applied, blocks: chain.length };
}

async function reorg(ctx: RealtimeContext, cursor: Cursor, head: bigint, headAt: number): Promise<StepResult> {
  const next = await reconcile(ctx, cursor);
  return { kind: "reorg", head, headAt, ancestor: next.number, cursor: next };
}

/**
 * Checks the newest stored block hashes (the cursor's and up to WINDOW below it) against the chain
 * and, if any is no longer canonical, rolls the mirror back to the newest stored block below every
 * stale one: the common ancestor. Returns the cursor to continue from (the same one if nothing moved).
 * A reorg below every stored block is the one case it cannot repair (DeepReorgError).
 */
export async function reconcile(ctx: RealtimeContext, cursor: Cursor): Promise<Cursor> {
  const { rpc, store } = ctx;
  let below = cursor.number;
  let stale: BlockHeader | null = null;
  for (;;) {
    const stored = await store.storedBlocks(below, WINDOW);
    if (stored.length === 0) {
      if (!stale) return cursor; // nothing stored yet: nothing to check
      throw new DeepReorgError(
        `reorg deeper than the block hashes the mirror keeps: none of its stored blocks, from ${cursor.number} down to the first, ` +
          `is on the chain any more (block ${stale.number} was ${stale.hash}). The program's deployment itself was reorganised away, ` +
          "or the RPC serves another network: run with --reset to rebuild the mirror from the deployment file.",
      );
    }
    const onChain = await rpc.getBlocks(stored.map((b) => b.number));
    // Newest first: the oldest stale block decides; the stored block just below it is the ancestor.
    let oldestStale = -1;
    stored.forEach((b, k) => {
      if (onChain[k]?.hash !== b.hash) oldestStale = k;
    });
    if (oldestStale === -1 && !stale) return cursor;
    if (oldestStale >= 0) stale = stored[oldestStale];
    const ancestor = stored[oldestStale + 1];
    if (ancestor) {
      const result = await store.rollback(ancestor);
      ctx.onReorg?.({ from: cursor.number, ancestor: ancestor.number, depth: cursor.number - ancestor.number, undidFinal: result.undidFinal });
      return { number: ancestor.number, hash: ancestor.hash, finalized: result.finalized, eventsApplied: result.eventsApplied };
    }
    below = stored[stored.length - 1].number - 1n;
  }
}
