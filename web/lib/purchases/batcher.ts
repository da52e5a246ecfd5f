/**
 * One job: coalesce. Concurrent purchases of one merchant become one `issuePurchasesFor` call sent
 * by the relayer as the merchant's issuing agent, and each caller gets its own entry's outcome.
 *
 * The window adapts to the load, per merchant: with no batch in flight, a purchase is sent at once
 * (alone, as fast as a single issuance); while a batch is in flight, purchases queue and leave
 * together as the next batch once it is mined, up to MAX_PURCHASE_BATCH entries (the contract's
 * bound, from the spec). So a lone purchase never waits for a window, and under load every block
 * carries as many purchases as arrived during the previous one.
 *
 * Exactly once: before a batch is sent, its key (the relayer transaction's idempotency key) is
 * written on each purchase's row, only if the row is still pending under the batch its caller saw
 * (another server that took the purchase over changed it: that entry is not sent here). A purchase
 * already recorded in a batch is first looked up by that key (`previousKey`): a transaction stored
 * under it gives the purchase's outcome from its receipt's logs; none (never sent, or never mined)
 * lets it go in a new batch. The on-chain ref makes a second issuance impossible in any case.
 */
import { randomUUID } from "node:crypto";
import { encodeFunctionData, getAddress, parseEventLogs, type Address, type Hash, type PublicClient } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { MAX_PURCHASE_BATCH, purchaseSkipReason, type PurchaseSkipReason } from "../../../contracts/spec/events.ts";
import { createLogger, type Logger } from "../../../scripts/lib/log.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { RelayRejectedError, type RelayedTx, type Relayer } from "../relayer/types.ts";

/** One purchase to issue: its row, and what the chain is asked. */
export interface BatchEntry {
  purchaseId: string;
  merchant: Address;
  member: Address;
  amount: bigint;
  ref: Hash;
  /** The batch key on the row when the caller took the purchase (null: never batched). */
  previousKey: string | null;
}

/** What the chain did with one entry: issued, or skipped (PurchaseSkipped) and why; with its transaction. */
export type BatchOutcome =
  | { kind: "issued"; hash: Hash; blockNumber: bigint }
  | { kind: "skipped"; reason: PurchaseSkipReason; hash: Hash; blockNumber: bigint };

/** The entry is no longer this server's to send: another one took the purchase over. */
export class PurchaseTakenOverError extends Error {
  override name = "PurchaseTakenOverError";
}

export interface BatcherOptions {
  db: Queryable;
  client: PublicClient;
  relayer: Pick<Relayer, "call" | "findByKey">;
  points: Address;
  /** Entries per batch (at most, and by default, the contract's MAX_PURCHASE_BATCH). */
  maxBatch?: number;
  log?: Logger;
}

interface Waiter {
  entry: BatchEntry;
  resolve(o: BatchOutcome): void;
  reject(e: unknown): void;
}

interface Lane {
  queue: Waiter[];
  busy: boolean;
}

export class PurchaseBatcher {
  private readonly lanes = new Map<Address, Lane>();
  private readonly maxBatch: number;
  private readonly log: Logger;
  /** Batches sent (for tests and metrics). */
  batches = 0;

  constructor(private readonly o: BatcherOptions) {
    this.maxBatch = Math.max(1, Math.min(o.maxBatch ?? MAX_PURCHASE_BATCH, MAX_PURCHASE_BATCH));
    this.log = o.log ?? createLogger({ component: "purchase-batcher" });
  }

  /** Purchases waiting for their merchant's next batch (not counting the batches in flight). */
  queued(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.length;
    return n;
  }

  /** Issues one purchase in its merchant's next batch; rejects with RelayRejectedError when the whole batch was refused. */
  async issue(entry: BatchEntry): Promise<BatchOutcome> {
    if (entry.previousKey) {
      const earlier = await this.o.relayer.findByKey(entry.previousKey);
      // Only an issuance settles it: a skip (allowance exhausted then, say) is tried again.
      const outcome = earlier && (await this.outcomes(earlier, getAddress(entry.merchant))).get(entry.ref.toLowerCase());
      if (outcome?.kind === "issued") return outcome;
    }
    const merchant = getAddress(entry.merchant);
    let lane = this.lanes.get(merchant);
    if (!lane) this.lanes.set(merchant, (lane = { queue: [], busy: false }));
    const done = new Promise<BatchOutcome>((resolve, reject) => lane.queue.push({ entry, resolve, reject }));
    if (!lane.busy) void this.drain(merchant, lane);
    return done;
  }

  /** Sends the lane's queue, batch after batch, until it is empty (one batch in flight per merchant). */
  private async drain(merchant: Address, lane: Lane) {
    lane.busy = true;
    try {
      while (lane.queue.length) await this.send(merchant, lane.queue.splice(0, this.maxBatch));
    } finally {
      lane.busy = false;
      if (!lane.queue.length) this.lanes.delete(merchant);
    }
  }

  /** One batch: recorded on its rows, sent, and each waiter answered. Never throws. */
  private async send(merchant: Address, waiters: Waiter[]) {
    const key = `purchases:${randomUUID()}`;
    try {
      const mine = await this.record(key, waiters);
      const sending: Waiter[] = [];
      for (const w of waiters) {
        if (mine.has(w.entry.purchaseId)) sending.push(w);
        else w.reject(new PurchaseTakenOverError(`purchase ${w.entry.purchaseId} is being issued by another server`));
      }
      if (!sending.length) return;
      // One entry per ref (a ref twice would be skipped the second time): duplicates share its outcome.
      const byRef = new Map<string, BatchEntry>();
      for (const w of sending) byRef.set(w.entry.ref.toLowerCase(), w.entry);
      const purchases = [...byRef.values()].map((e) => ({ member: e.member, amount: e.amount, ref: e.ref }));
      const data = encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "issuePurchasesFor", args: [merchant, purchases] });
      const started = Date.now();
      const tx = await this.o.relayer.call({ to: this.o.points, data, idempotencyKey: key });
      this.batches++;
      if (tx.status !== "confirmed") {
        const e = new RelayRejectedError("would_revert", `the batch reverted on chain (${tx.revertReason ?? "unknown reason"})`, tx.revertReason);
        for (const w of sending) w.reject(e);
        return;
      }
      const outcomes = await this.outcomes(tx, merchant);
      this.log.info("purchase batch mined", { merchant, key, hash: tx.hash, block: tx.blockNumber, entries: purchases.length, ms: Date.now() - started });
      for (const w of sending) {
        const outcome = outcomes.get(w.entry.ref.toLowerCase());
        if (outcome) w.resolve(outcome);
        else w.reject(new Error(`batch ${tx.hash} has no event for ref ${w.entry.ref}`));
      }
    } catch (e) {
      if (!(e instanceof RelayRejectedError)) this.log.error("purchase batch failed", { merchant, key, entries: waiters.length, error: e as Error });
      for (const w of waiters) w.reject(e);
    }
  }

  /** Writes `key` on the rows still pending under the batch their caller saw; returns the ids written. */
  private async record(key: string, waiters: Waiter[]): Promise<Set<string>> {
    const { rows } = await this.o.db.query<{ id: string }>(
      `UPDATE purchases AS p SET batch_key = $1, updated_at = now()
       FROM unnest($2::uuid[], $3::text[]) AS c(id, previous)
       WHERE p.id = c.id AND p.status = 'pending' AND p.batch_key IS NOT DISTINCT FROM c.previous
       RETURNING p.id`,
      [key, waiters.map((w) => w.entry.purchaseId), waiters.map((w) => w.entry.previousKey)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Every entry's outcome in a mined batch, by ref (lowercase), from its receipt's logs. */
  private async outcomes(tx: RelayedTx, merchant: Address): Promise<Map<string, BatchOutcome>> {
    const found = new Map<string, BatchOutcome>();
    if (tx.status !== "confirmed") return found;
    // The receipt's logs as the relayer saw them mined, or from the node (a transaction found by key).
    const all = tx.logs ?? (await this.o.client.getTransactionReceipt({ hash: tx.hash })).logs;
    const logs = all.filter((l) => getAddress(l.address) === getAddress(this.o.points));
    const at = { hash: tx.hash, blockNumber: tx.blockNumber };
    for (const log of parseEventLogs({ abi: loyaltyPointsAbi, logs, eventName: ["PointsIssued", "PurchaseSkipped"] })) {
      if (getAddress(log.args.merchant) !== merchant) continue;
      const ref = log.args.ref.toLowerCase();
      if (found.get(ref)?.kind === "issued") continue;
      if (log.eventName === "PointsIssued") found.set(ref, { kind: "issued", ...at });
      else found.set(ref, { kind: "skipped", reason: purchaseSkipReason(Number(log.args.reason)), ...at });
    }
    return found;
  }
}
