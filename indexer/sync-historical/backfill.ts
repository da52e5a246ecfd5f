/**
 * Backfill: `eth_getLogs` over adaptive block ranges (shrink on provider limits or errors, grow while
 * cheap), the headers of the blocks that have logs, of each range's end and of its first block
 * (whose parent must be the previous range's end, so a reorg between two ranges is caught),
 * decoded, one range fetched ahead while the previous one is written.
 */
import type { Hex } from "viem";
import { decodeLogs, type DomainEvent } from "../decode/index.ts";
import type { LoggingAddresses } from "../../contracts/spec/index.ts";
import { RpcError, type BlockHeader, type RawLog, type RpcClient } from "../rpc/client.ts";

export interface FetchedRange {
  from: bigint;
  /** The chain's parent hash of `from`, as the range was fetched. */
  parentHash: Hex;
  to: BlockHeader;
  blocks: BlockHeader[];
  events: DomainEvent[];
  logs: number;
  ms: number;
  /** What `prepare` made of it (done ahead, while the previous range is written). */
  prepared?: unknown;
}

export class InconsistentFetchError extends Error {
  override name = "InconsistentFetchError";
}

/** The chain no longer continues the blocks already fetched or stored: a reorg to reconcile first. */
export class ChainMovedError extends Error {
  override name = "ChainMovedError";
}

/** Block range sizing: halves on errors and big answers, doubles on small fast ones. */
export class AdaptiveRange {
  size: bigint;
  constructor(
    initial = 16n,
    readonly min = 1n,
    readonly max = 100_000n,
    readonly targetLogs = 30_000,
  ) {
    this.size = initial;
  }
  /** Never grow back above a size the provider refused (halved). */
  private ceiling: bigint | null = null;
  /** Halves the range; `refused` records that the provider rejected the previous size. */
  shrink(refused = false) {
    this.size = this.size / 2n > this.min ? this.size / 2n : this.min;
    if (refused) this.ceiling = this.size;
  }
  observe(logs: number, ms: number) {
    if (logs > this.targetLogs) this.shrink();
    else if (logs < this.targetLogs / 2 && ms < 2_000) {
      const limit = this.ceiling !== null && this.ceiling < this.max ? this.ceiling : this.max;
      this.size = this.size * 2n < limit ? this.size * 2n : limit;
    }
  }
}

/** Errors that mean "ask for less" (provider caps on results, ranges or response size). */
export function isRangeLimitError(error: unknown) {
  if (error instanceof RpcError) {
    return (
      error.code === -32005 || error.code === -32602 || error.code === -32000 || error.code === -32603 ||
      /range|too many|limit|exceed|size|10000|timeout/i.test(error.message)
    );
  }
  return false;
}

/** Logs of [from, to] for the program, with the headers they need; checks they agree. */
export async function fetchRange(rpc: RpcClient, addresses: LoggingAddresses, from: bigint, to: bigint): Promise<FetchedRange> {
  const started = performance.now();
  const logs: RawLog[] = await rpc.getLogs({ address: [addresses.points as Hex, addresses.rewards as Hex], fromBlock: from, toBlock: to });
  const numbers = new Set<bigint>([to]);
  for (const l of logs) {
    if (l.removed) throw new InconsistentFetchError("a removed log came back from eth_getLogs");
    numbers.add(BigInt(l.blockNumber));
  }
  const sorted = [...numbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const [first, ...headers] = await rpc.getBlocks([from, ...sorted]);
  if (!first) throw new InconsistentFetchError(`block ${from} is missing (chain shorter than asked)`);
  const byNumber = new Map<bigint, BlockHeader>();
  headers.forEach((h, i) => {
    if (!h) throw new InconsistentFetchError(`block ${sorted[i]} is missing (chain shorter than asked)`);
    byNumber.set(h.number, h);
  });
  if (byNumber.get(from) && byNumber.get(from)!.hash !== first.hash) throw new InconsistentFetchError(`block ${from} changed while it was fetched (reorg)`);
  for (const l of logs) {
    const h = byNumber.get(BigInt(l.blockNumber))!;
    if (h.hash !== l.blockHash) throw new InconsistentFetchError(`block ${h.number} changed while it was fetched (reorg)`);
  }
  const events = decodeLogs(logs, addresses);
  return { from, parentHash: first.parentHash, to: byNumber.get(to)!, blocks: [...byNumber.values()], events, logs: logs.length, ms: performance.now() - started };
}

export interface BackfillOptions {
  rpc: RpcClient;
  addresses: LoggingAddresses;
  /** First block to fetch. */
  from: bigint;
  /** Last block to fetch (inclusive). */
  to: bigint;
  /** The hash of block `from - 1` the mirror holds: the first range must follow it (null: unknown). */
  parentHash: Hex | null;
  range?: AdaptiveRange;
  onShrink?: (error: Error, size: bigint) => void;
  /** CPU work on a fetched range that needs no database, run while the previous range is written. */
  prepare?: (range: FetchedRange) => unknown;
}

/** Yields consecutive ranges covering [from, to], fetching the next one while the caller writes. */
export async function* backfill(options: BackfillOptions): AsyncGenerator<FetchedRange> {
  const { rpc, addresses, to } = options;
  const range = options.range ?? new AdaptiveRange();
  const fetchAdaptive = async (start: bigint): Promise<FetchedRange> => {
    for (;;) {
      const end = start + range.size - 1n < to ? start + range.size - 1n : to;
      try {
        const r = await fetchRange(rpc, addresses, start, end);
        range.observe(r.logs, r.ms);
        if (options.prepare) r.prepared = options.prepare(r);
        return r;
      } catch (error) {
        if (isRangeLimitError(error) && range.size > range.min) {
          range.shrink(true);
          options.onShrink?.(error as Error, range.size);
          continue;
        }
        throw error;
      }
    }
  };
  if (options.from > to) return;
  let next: Promise<FetchedRange> | null = fetchAdaptive(options.from);
  let parent = options.parentHash;
  while (next) {
    const current: FetchedRange = await next;
    if (parent && current.parentHash !== parent) {
      throw new ChainMovedError(`block ${current.from}'s parent is ${current.parentHash}, not ${parent} as fetched before: the chain reorganised during the backfill`);
    }
    parent = current.to.hash;
    const start = current.to.number + 1n;
    next = start <= to ? fetchAdaptive(start) : null;
    // Keep a rejected prefetch from being reported as unhandled if the caller stops early.
    next?.catch(() => {});
    yield current;
  }
}
