/**
 * Realtime: from the cursor to the chain head, block headers checked link by link. A parent-hash
 * mismatch (or a cursor block no longer canonical) is a reorg: find the common ancestor among the
 * stored block hashes, roll the mirror back to it, then re-apply the new chain.
 */
import type { Hex } from "viem";
import { decodeLogs, type ProgramAddresses } from "../decode/index.ts";
import type { BlockHeader, RpcClient } from "../rpc/client.ts";
import { DeepReorgError, type Batch, type Cursor, type Store } from "../store/store.ts";
import { InconsistentFetchError } from "../sync-historical/backfill.ts";

export interface RealtimeContext {
  rpc: RpcClient;
  store: Store;
  addresses: ProgramAddresses;
  confirmations: bigint;
  /** Most blocks applied in one step (one transaction). */
  maxBlocks?: bigint;
  onReorg?: (info: { from: bigint; ancestor: bigint; depth: bigint }) => void;
}

export type StepResult =
  | { kind: "idle"; head: bigint }
  | { kind: "applied"; head: bigint; cursor: Cursor; events: number; blocks: number }
  | { kind: "reorg"; head: bigint; cursor: Cursor; ancestor: bigint }
  | { kind: "retry"; head: bigint; reason: string };

const range = (a: bigint, b: bigint) => {
  const out: bigint[] = [];
  for (let n = a; n <= b; n++) out.push(n);
  return out;
};

/** One realtime step from `cursor`; returns what happened (the caller keeps the new cursor). */
export async function realtimeStep(ctx: RealtimeContext, cursor: Cursor): Promise<StepResult> {
  const { rpc, store } = ctx;
  const head = await rpc.blockNumber();
  const last = head < cursor.number + (ctx.maxBlocks ?? 500n) ? head : cursor.number + (ctx.maxBlocks ?? 500n);
  const numbers = cursor.hash && cursor.number >= 0n ? [cursor.number, ...range(cursor.number + 1n, last)] : range(cursor.number + 1n, last);
  if (numbers.length === 0) return { kind: "idle", head };
  const headers = await rpc.getBlocks(numbers);

  // Is the cursor's block still canonical?
  if (cursor.hash && cursor.number >= 0n) {
    const current = headers[0];
    if (!current || current.hash !== cursor.hash) return reorg(ctx, cursor, head);
    headers.shift();
  }
  if (headers.length === 0) return { kind: "idle", head };
  let parent = cursor.hash;
  const chain: BlockHeader[] = [];
  for (const h of headers) {
    if (!h) break; // the head moved back while we asked: take what links
    if (parent && h.parentHash !== parent) {
      if (chain.length === 0) return reorg(ctx, cursor, head);
      break;
    }
    chain.push(h);
    parent = h.hash;
  }
  if (chain.length === 0) return { kind: "retry", head, reason: "no linked header" };
  const to = chain[chain.length - 1];
  const logs = await rpc.getLogs({ address: [ctx.addresses.points as Hex, ctx.addresses.rewards as Hex], fromBlock: cursor.number + 1n, toBlock: to.number });
  const hashes = new Map(chain.map((h) => [h.number, h.hash]));
  for (const l of logs) {
    if (hashes.get(BigInt(l.blockNumber)) !== l.blockHash || l.removed) {
      return { kind: "retry", head, reason: new InconsistentFetchError(`block ${BigInt(l.blockNumber)} changed while fetched`).message };
    }
  }
  const events = decodeLogs(logs, ctx.addresses);
  const finalized = head - ctx.confirmations;
  const batch: Batch = { fromBlock: cursor.number + 1n, to, blocks: chain, events, finalized };
  const applied = await store.apply(batch);
  const next: Cursor = {
    number: to.number,
    hash: to.hash,
    finalized: finalized > cursor.finalized ? finalized : cursor.finalized,
    eventsApplied: cursor.eventsApplied + BigInt(applied),
  };
  return { kind: "applied", head, cursor: next, events: applied, blocks: chain.length };
}

/** Finds the newest stored block still on the chain and rolls the mirror back to it. */
async function reorg(ctx: RealtimeContext, cursor: Cursor, head: bigint): Promise<StepResult> {
  const { rpc, store } = ctx;
  let below = cursor.number;
  for (;;) {
    const stored = await store.storedBlocks(below, 64);
    if (stored.length === 0) {
      throw new DeepReorgError(`no stored block at or below ${below} is on the chain any more: run with --reset`);
    }
    const onChain = await rpc.getBlocks(stored.map((b) => b.number));
    const i = stored.findIndex((b, k) => onChain[k]?.hash === b.hash);
    if (i >= 0) {
      const ancestor = stored[i];
      await store.rollback(ancestor);
      ctx.onReorg?.({ from: cursor.number, ancestor: ancestor.number, depth: cursor.number - ancestor.number });
      const state = await store.readState();
      return {
        kind: "reorg",
        head,
        ancestor: ancestor.number,
        cursor: { number: ancestor.number, hash: ancestor.hash, finalized: state!.finalized, eventsApplied: state!.eventsApplied },
      };
    }
    below = stored[stored.length - 1].number - 1n;
  }
}
