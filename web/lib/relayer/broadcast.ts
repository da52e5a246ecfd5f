/**
 * Broadcast and retry: signed bytes to the node, transport errors retried with backoff, a node's
 * refusal handled so that no nonce stays a gap. A nonce whose transaction a node refuses (not a
 * transport error) is filled with a 0-value self-transfer, otherwise every later transaction would
 * wait behind it forever. Batches are broadcast in nonce order by the caller (relayer.ts).
 */
import type { Address, Hash, Hex, PublicClient } from "viem";
import { classifyBroadcastError, type BroadcastOutcome } from "../chain/errors.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import type { Log } from "./log.ts";
import type { Pending, Signed } from "./nonces.ts";
import type { ReceiptWatcher } from "./receipts.ts";
import type { Signer } from "./signer.ts";
import type { TxStore } from "./store.ts";
import { RelayRejectedError } from "./types.ts";

export interface BroadcasterOptions {
  client: PublicClient;
  address: Address;
  signer: Signer;
  store: TxStore;
  receipts: ReceiptWatcher;
  log: Log;
  /** Transport retries of a broadcast (exponential backoff from 100 ms). */
  retries: number;
  /** Puts a call back in the queue, to be signed again at a new nonce. */
  requeue(p: Pending): void;
  /** Runs after each batch's receipts were asked for (the low-balance check). */
  afterBatch(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Broadcaster {
  /** Receipt checks started after a broadcast, awaited by idle(). */
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly o: BroadcasterOptions) {}

  /** One attempt: "ok" (accepted or already known), "transport" (no answer), or the node's refusal. */
  async send(raw: Hex): Promise<BroadcastOutcome> {
    try {
      await this.o.client.request({ method: "eth_sendRawTransaction", params: [raw] });
      return "ok";
    } catch (e) {
      return classifyBroadcastError(e);
    }
  }

  async sendWithRetry(raw: Hex): Promise<BroadcastOutcome> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.send(raw);
      if ((r !== "transport" && r !== "early") || attempt >= this.o.retries) return r;
      await sleep(100 * 2 ** attempt);
    }
  }

  /** Broadcasts a stored batch in parallel; its nonces are consecutive, and one that reaches an automining node ahead of the one before is retried ("early"). */
  async broadcastBatch(signed: Signed[]): Promise<void> {
    if (!signed.length) return;
    const results = await Promise.all(signed.map((s) => this.sendWithRetry(s.raw)));
    const sent: string[] = [];
    for (const [i, s] of signed.entries()) {
      const r = results[i]!;
      this.o.log("info", "broadcast", { id: s.id, hash: s.hash, nonce: s.nonce, kind: s.p.kind, to: s.p.to, selector: s.p.data.slice(0, 10), key: s.p.idempotencyKey, result: typeof r === "string" ? r : "refused" });
      if (r === "ok") sent.push(s.id);
      else if (r !== "transport" && r !== "early") await this.refused(s, r);
      // Transport failures and nonces still early stay 'queued': the watcher's sweep re-broadcasts them.
    }
    await this.o.store.markSent(this.o.store.pool, sent);
    // Not awaited: the next batch need not wait for these receipts.
    const check = this.o.receipts.checkNow(signed.filter((_, i) => results[i] === "ok").map((s) => s.hash)).then(() => this.o.afterBatch());
    this.background.add(check);
    void check.finally(() => this.background.delete(check));
  }

  /** Resolves once the receipt checks started by broadcasts have finished (shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.background]);
  }

  /** A node refused a signed transaction: its nonce is filled (or was used), its caller told. */
  private async refused(s: Signed, r: { error: string; nonceTooLow: boolean }) {
    const { client, store, receipts } = this.o;
    // "Nonce too low" for our own transaction: already mined (a re-broadcast got there first).
    const mined = r.nonceTooLow ? await client.getTransactionReceipt({ hash: s.hash }).catch(() => null) : null;
    if (mined) return receipts.settle(store.pool, [{ id: s.id, receipt: mined }]);
    receipts.untrack(s.hash);
    await store.markFailed(store.pool, s.id, r.error, true);
    if (r.nonceTooLow) {
      // Something else used this nonce (another signer with the same key): re-sync, then retry once.
      this.o.log("warn", "nonce used elsewhere, re-synced", { id: s.id, nonce: s.nonce });
      const pending = await client.getTransactionCount({ address: this.o.address, blockTag: "pending" });
      await store.raiseNextNonce(pending);
      this.o.requeue(s.p);
      return;
    }
    await this.fill(store.pool, s.nonce, r.error);
    s.p.reject(new RelayRejectedError("unavailable", `the node refused the transaction: ${r.error}`));
  }

  /** A 0-value self-transfer at `nonce` (stored, then broadcast), so that the transactions after it are not stuck. */
  async fill(db: Queryable, nonce: bigint, why: string): Promise<Hash> {
    const { address, signer, store, receipts } = this.o;
    const { raw, hash } = await signer.sign(nonce, address, "0x", 21_000n);
    const id = await store.insertFill(db, nonce, raw, hash, why);
    const r = await this.sendWithRetry(raw);
    this.o.log(r === "ok" ? "warn" : "error", "nonce filled", { id, nonce, hash, why, result: typeof r === "string" ? r : r.error });
    if (r === "ok") {
      await store.markFillSent(db, id);
      receipts.track(hash, id, raw);
    }
    return hash;
  }
}
