/**
 * The receipt watcher: every transaction this process signed (or recovered) is tracked until its
 * receipt is recorded, and the callers waiting on it are answered. One poll loop for all of them:
 * new blocks' transaction hashes are matched against the tracked ones (no request per
 * transaction), and a sweep asks directly for the ones not seen after a second, re-broadcasting
 * those a node forgot (after a reorg or a restart of the node).
 */
import type { Hash, Hex, PublicClient, TransactionReceipt } from "viem";
import { decodeRevert, shortError, type BroadcastOutcome } from "../chain/errors.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import type { Log } from "./log.ts";
import type { TxRow, TxStore } from "./store.ts";
import { RelayRejectedError, type RelayedTx } from "./types.ts";

/** Who waits for a transaction's receipt. */
export interface Caller {
  resolve(tx: RelayedTx): void;
  reject(e: unknown): void;
}

interface Waiter {
  id: string;
  raw: Hex;
  since: number;
  callers: Caller[];
}

export interface ReceiptWatcherOptions {
  client: PublicClient;
  store: TxStore;
  log: Log;
  pollMs: number;
  confirmTimeoutMs: number;
  /** One broadcast attempt of signed bytes (no retry: the next sweep tries again). */
  resend(raw: Hex): Promise<BroadcastOutcome>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ReceiptWatcher {
  /** The last block whose transactions were matched (recovery sets it to the head it saw). */
  lastBlock = 0n;
  private readonly waiters = new Map<Hash, Waiter>();
  private watching = false;
  private stopped = false;
  private lastSweep = 0;
  private watchDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: ReceiptWatcherOptions) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Follows `hash` until mined; `caller` (if any) is answered then, or told "unavailable" after confirmTimeoutMs (the transaction stays tracked). */
  track(hash: Hash, id: string, raw: Hex, caller?: Caller) {
    let w = this.waiters.get(hash);
    if (!w) {
      w = { id, raw, since: Date.now(), callers: [] };
      this.waiters.set(hash, w);
    }
    if (caller) {
      w.callers.push(caller);
      const t = setTimeout(() => {
        const i = w!.callers.indexOf(caller);
        if (i >= 0) w!.callers.splice(i, 1);
        caller.reject(new RelayRejectedError("unavailable", `transaction ${hash} not mined after ${this.o.confirmTimeoutMs} ms; it stays tracked`));
      }, this.o.confirmTimeoutMs);
      t.unref?.();
      const resolve = caller.resolve, reject = caller.reject;
      caller.resolve = (tx) => (clearTimeout(t), resolve(tx));
      caller.reject = (e) => (clearTimeout(t), reject(e));
    }
    this.watch();
  }

  /** Stops following `hash` (its nonce went to a filler): nobody is answered. */
  untrack(hash: Hash) {
    this.waiters.delete(hash);
  }

  /** Starts the loop again if transactions were tracked before it could run (recovery, inside its transaction). */
  resume() {
    if (this.waiters.size) this.watch();
  }

  /** The result of an already-known transaction (same idempotency key): never sent twice. */
  attach(row: TxRow): Promise<RelayedTx> {
    if (row.status === "confirmed" || row.status === "reverted") {
      return Promise.resolve({
        id: row.id,
        hash: row.hash,
        status: row.status,
        blockNumber: BigInt(row.block_number ?? 0),
        ...(row.last_error ? { revertReason: row.last_error } : {}),
      });
    }
    if (row.status === "failed") return Promise.reject(new RelayRejectedError("unavailable", `transaction ${row.id} failed: ${row.last_error ?? "unknown"}`));
    return new Promise((resolve, reject) => this.track(row.hash, row.id, row.raw, { resolve, reject }));
  }

  /**
   * Asks for these receipts at once, in one batched request: an automining node (and a fast L2)
   * has them already, so callers need not wait for the loop's next round.
   */
  async checkNow(hashes: Hash[]) {
    if (!hashes.length) return;
    try {
      const receipts = await Promise.all(hashes.map((hash) => this.o.client.getTransactionReceipt({ hash }).catch(() => null)));
      const settled = receipts.flatMap((receipt, i) => {
        const w = receipt ? this.waiters.get(hashes[i]!) : undefined;
        return receipt && w ? [{ id: w.id, receipt }] : [];
      });
      if (settled.length) await this.settle(this.o.store.pool, settled);
    } catch (e) {
      this.o.log("warn", "receipt check failed", { error: shortError(e) });
    }
  }

  /** Records receipts (one statement, on `db`: recovery passes its transaction) and answers the callers waiting on them. */
  async settle(db: Queryable, settled: { id: string; receipt: TransactionReceipt }[]) {
    const reasons = await Promise.all(settled.map(({ receipt }) => (receipt.status === "reverted" ? this.revertReason(receipt) : Promise.resolve(null))));
    await this.o.store.recordReceipts(
      db,
      settled.map((s, i) => ({ id: s.id, status: s.receipt.status === "success" ? "confirmed" : "reverted", blockNumber: s.receipt.blockNumber, reason: reasons[i]! })),
    );
    for (const [i, { id, receipt }] of settled.entries()) {
      const w = this.waiters.get(receipt.transactionHash);
      this.waiters.delete(receipt.transactionHash);
      const tx: RelayedTx = {
        id,
        hash: receipt.transactionHash,
        status: receipt.status === "success" ? "confirmed" : "reverted",
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        logs: receipt.logs,
        ...(reasons[i] ? { revertReason: reasons[i]! } : {}),
      };
      if (receipt.status !== "success") this.o.log("warn", "reverted on chain", { id, hash: receipt.transactionHash, reason: reasons[i] });
      for (const c of w?.callers ?? []) c.resolve(tx);
    }
  }

  /** Stops the loop; every waiting caller is told "unavailable" (their transactions stay stored, for the next process). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.values()) for (const c of w.callers) c.reject(new RelayRejectedError("unavailable", "the relayer stopped"));
    this.waiters.clear();
    await this.watchDone;
  }

  private watch() {
    if (this.watching || this.stopped) return;
    this.watching = true;
    this.watchDone = (async () => {
      while (this.waiters.size && !this.stopped) {
        try {
          await this.poll();
        } catch (e) {
          this.o.log("warn", "receipt poll failed", { error: shortError(e) });
        }
        await sleep(this.o.pollMs);
      }
      this.watching = false;
      if (this.waiters.size && !this.stopped) this.watch();
    })();
  }

  /** New blocks' transaction hashes against the tracked ones; a sweep for the ones not seen. */
  private async poll() {
    const { client } = this.o;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const found: Hash[] = [];
    if (head > this.lastBlock) {
      if (head - this.lastBlock <= 64n) {
        const numbers: bigint[] = [];
        for (let b = this.lastBlock + 1n; b <= head; b++) numbers.push(b);
        const blocks = await Promise.all(numbers.map((blockNumber) => client.getBlock({ blockNumber })));
        for (const block of blocks) for (const h of block.transactions as Hash[]) if (this.waiters.has(h)) found.push(h);
      } else {
        found.push(...this.waiters.keys());
      }
      this.lastBlock = head;
    }
    const now = Date.now();
    const sweep = now - this.lastSweep > 1_000;
    if (sweep) {
      this.lastSweep = now;
      // Not seen in a block after a second (missed block, reorg, a node that dropped it): asked
      // directly, and re-broadcast when the node does not know it.
      for (const [h, w] of this.waiters) if (now - w.since > 1_000 && !found.includes(h)) found.push(h);
    }
    if (!found.length) return;
    const receipts = await Promise.all(found.map((hash) => client.getTransactionReceipt({ hash }).catch(() => null)));
    const settled: { id: string; receipt: TransactionReceipt }[] = [];
    for (const [i, hash] of found.entries()) {
      const receipt = receipts[i];
      const w = this.waiters.get(hash);
      if (!w) continue;
      if (receipt) {
        settled.push({ id: w.id, receipt });
        continue;
      }
      if (sweep && now - w.since > 3_000) {
        const known = await client.getTransaction({ hash }).catch(() => null);
        if (!known) {
          const r = await this.o.resend(w.raw);
          this.o.log("warn", "re-broadcast", { id: w.id, hash, result: typeof r === "string" ? r : r.error });
          if (r === "ok") await this.o.store.markSent(this.o.store.pool, [w.id]);
        }
      }
    }
    if (settled.length) await this.settle(this.o.store.pool, settled);
  }

  /** Why a mined transaction reverted: the same call replayed on the state just before its block. */
  private async revertReason(receipt: TransactionReceipt): Promise<string> {
    try {
      const tx = await this.o.client.getTransaction({ hash: receipt.transactionHash });
      await this.o.client.call({ account: tx.from, to: tx.to!, data: tx.input, gas: tx.gas, blockNumber: receipt.blockNumber - 1n });
      return "reverted";
    } catch (e) {
      return decodeRevert(e)?.name ?? "reverted";
    }
  }
}
