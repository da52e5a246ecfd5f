/**
 * Stage 1: every log of the program's contracts from `fromBlock` to the pinned block, with
 * eth_getLogs over adaptive block ranges: a range that returns many logs shrinks the next ones, a
 * quiet one grows them, and a range the node refuses (result or response limits of public RPCs)
 * is split in two and retried. A few ranges are in flight at once.
 */
import type { ProgressBar } from "../lib/progress.ts";
import { RpcError, toHex, type Rpc } from "./rpc.ts";
import type { RawLog } from "./types.ts";

export interface FetchLogsOptions {
  addresses: string[];
  fromBlock: number;
  toBlock: number;
  /** Block hash of `toBlock`: logs from any other block at that height are refused. */
  toBlockHash?: string;
  initialRange?: number;
  maxRange?: number;
  /** Logs per request the range sizing aims at. */
  targetLogs?: number;
  concurrency?: number;
  progress?: ProgressBar;
}

export interface FetchLogsResult {
  logs: RawLog[];
  requests: number;
  splits: number;
}

export class LogRangeError extends Error {
  override name = "LogRangeError";
}

export async function fetchLogs(rpc: Rpc, options: FetchLogsOptions): Promise<FetchLogsResult> {
  const { addresses, fromBlock, toBlock } = options;
  const maxRange = options.maxRange ?? 100_000;
  const target = options.targetLogs ?? 10_000;
  let range = Math.min(options.initialRange ?? 2_000, maxRange);
  const total = toBlock - fromBlock + 1;
  const chunks = new Map<number, RawLog[]>();
  const retry: [number, number][] = [];
  let cursor = fromBlock;
  let requests = 0;
  let splits = 0;
  let doneBlocks = 0;
  let logCount = 0;

  const take = (): [number, number] | null => {
    if (retry.length) return retry.shift()!;
    if (cursor > toBlock) return null;
    const from = cursor;
    const to = Math.min(toBlock, from + range - 1);
    cursor = to + 1;
    return [from, to];
  };

  const worker = async () => {
    for (let next = take(); next; next = take()) {
      const [from, to] = next;
      requests += 1;
      let logs: RawLog[];
      try {
        logs = await rpc.call<RawLog[]>("eth_getLogs", [{ address: addresses, fromBlock: toHex(from), toBlock: toHex(to) }]);
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        if (from === to) throw new LogRangeError(`the node refuses the logs of block ${from}: ${error.message}`);
        const mid = Math.floor((from + to) / 2);
        retry.push([from, mid], [mid + 1, to]);
        range = Math.max(1, Math.floor((to - from + 1) / 2));
        splits += 1;
        continue;
      }
      if (!Array.isArray(logs)) throw new LogRangeError(`eth_getLogs ${from}-${to} did not return a list`);
      chunks.set(from, logs);
      logCount += logs.length;
      doneBlocks += to - from + 1;
      // Aim the next ranges at `target` logs each.
      const span = to - from + 1;
      const ideal = logs.length ? Math.floor((span * target) / logs.length) : span * 4;
      range = Math.max(1, Math.min(maxRange, Math.min(ideal, span * 4)));
      options.progress?.update(doneBlocks, `blocks ${doneBlocks.toLocaleString("en")}/${total.toLocaleString("en")} · ${logCount.toLocaleString("en")} logs`);
    }
  };
  // Workers leave when there is nothing to take, but a split can queue more work: loop until done.
  while (cursor <= toBlock || retry.length) {
    await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  }
  options.progress?.done(`blocks ${total.toLocaleString("en")} · ${logCount.toLocaleString("en")} logs`);

  const logs: RawLog[] = [];
  for (const from of [...chunks.keys()].sort((a, b) => a - b)) {
    for (const log of chunks.get(from)!) logs.push(log);
  }
  if (options.toBlockHash) {
    const wrong = logs.find((l) => Number(l.blockNumber) === toBlock && l.blockHash !== options.toBlockHash);
    if (wrong) throw new LogRangeError(`block ${toBlock} changed during the scan (reorg): ${wrong.blockHash} ≠ ${options.toBlockHash}`);
  }
  return { logs, requests, splits };
}
