/**
 * The Postgres-backed relayer (the server-only singleton is in index.ts; this class takes its
 * dependencies as arguments so tests run it against a real node and a real database). It composes
 * the parts, each in its own module:
 *   admission.ts  whether a call is paid for (allowlist, quotas, signature, simulation, budget)
 *   recovery.ts   start-up: the nonce row synced with the chain, what a previous process left settled
 *   nonces.ts     a batch of calls signed at consecutive nonces and stored, under the nonce row's lock
 *   broadcast.ts  broadcast with retries; a refused nonce filled
 *   receipts.ts   one block watcher answering every caller
 *   store.ts      the rows (relayer_accounts, relayer_txs)
 *
 * Allocation + broadcast are serialized (a batch is on the node before the next one is signed: no
 * gaps a node must hold), while receipts are awaited in parallel by the watcher. A call flows
 * admission → submit(prepared) → queue → nonces → broadcast → receipts; `admit` and `submit` are the
 * seam for callers that prepare their own calls (several purchases coalesced into one batch call,
 * the expiry keeper charging its budget before it sends).
 */
import { getAddress, type Address, type Hex } from "viem";
import { isTransportError, shortError } from "../chain/errors.ts";
import { Admission } from "./admission.ts";
import { BalanceWatch } from "./balance.ts";
import { Broadcaster } from "./broadcast.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { jsonLog, type Log } from "./log.ts";
import { NonceAllocator, type Pending, type PreparedCall, type Signed } from "./nonces.ts";
import { DEFAULT_FORWARD_GAS_BUDGET, DEFAULT_LOW_BALANCE_WEI, DEFAULT_QUOTAS, type ForwardOrigin, type RelayerOptions } from "./options.ts";
import { ReceiptWatcher } from "./receipts.ts";
import { recover } from "./recovery.ts";
import { Signer } from "./signer.ts";
import { TxStore } from "./store.ts";
import { RelayRejectedError, type RelayedTx, type Relayer, type SignedForwardRequest } from "./types.ts";

export type { PoolLike } from "../../../scripts/lib/queryable.ts";
export type { PreparedCall } from "./nonces.ts";
export type { ForwardOrigin, RelayerOptions } from "./options.ts";

export class PgRelayer implements Relayer {
  readonly address: Address;
  private readonly admission: Admission;
  private readonly store: TxStore;
  private readonly receipts: ReceiptWatcher;
  private readonly broadcaster: Broadcaster;
  private readonly nonces: NonceAllocator;
  private readonly log: Log;
  private readonly maxBatch: number;
  private readonly startUp: () => Promise<void>;

  private ready: Promise<void> | null = null;
  private queue: Pending[] = [];
  private pumping = false;
  /** The broadcast of the last prepared batch (each one chained after the one before). */
  private broadcasting: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(o: RelayerOptions) {
    this.address = getAddress(o.account.address);
    this.log = o.log ?? jsonLog;
    this.maxBatch = o.maxBatch ?? 32;
    const retries = o.retries ?? 4;
    const { client, chainId, pool } = o;
    const address = this.address;
    const log = this.log;
    this.store = new TxStore(pool, address, chainId);
    const signer = new Signer(client, o.account, chainId);
    const balance = new BalanceWatch(client, address, o.lowBalanceWei ?? DEFAULT_LOW_BALANCE_WEI, log);
    // The watcher re-broadcasts through the broadcaster, which tracks through the watcher.
    let broadcaster: Broadcaster | undefined;
    this.receipts = new ReceiptWatcher({ client, store: this.store, log, pollMs: o.pollMs ?? 50, confirmTimeoutMs: o.confirmTimeoutMs ?? 60_000, resend: (raw) => broadcaster!.send(raw) });
    broadcaster = new Broadcaster({
      client,
      address,
      signer,
      store: this.store,
      receipts: this.receipts,
      log,
      retries,
      requeue: (p) => {
        this.queue.push(p);
        void this.pump();
      },
      afterBatch: () => balance.check(),
    });
    this.broadcaster = broadcaster;
    this.nonces = new NonceAllocator(this.store, signer, this.receipts);
    this.admission = new Admission({
      pool,
      client,
      address,
      chainId,
      contracts: o.contracts,
      quotas: { ...DEFAULT_QUOTAS, ...o.quotas },
      budget: o.forwardGasBudget ?? DEFAULT_FORWARD_GAS_BUDGET,
      retries,
    });
    this.startUp = () => recover({ client, address, chainId, store: this.store, receipts: this.receipts, broadcaster: this.broadcaster, log });
  }

  /** Stops taking calls; resolves once its broadcasts and receipt watcher have finished (tests, shutdown). Queued callers are rejected. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.queue.splice(0)) p.reject(new RelayRejectedError("unavailable", "the relayer stopped"));
    await Promise.all([this.receipts.stop(), this.broadcasting, this.broadcaster.idle()]);
  }

  // ------------------------------------------------------------------ public API

  async call(call: { to: Address; data: Hex; idempotencyKey?: string }): Promise<RelayedTx> {
    const checked = this.admission.checkCall(call);
    await this.init();
    const existing = call.idempotencyKey ? await this.store.byKey(call.idempotencyKey) : null;
    if (existing) return this.receipts.attach(existing);
    const gas = await this.admission.gasFor(call, checked);
    return this.submit({ kind: "call", to: getAddress(call.to), data: call.data, gas, idempotencyKey: call.idempotencyKey ?? null });
  }

  /**
   * A member's signed request. Refused before anything is signed when it is not an allowed,
   * canonically encoded program call, asks more gas than its function's cap, does nothing (0
   * points, to oneself, someone else's token), hands a reward token to an account with code (a
   * receiver could burn all the gas), carries value or a deadline past or too far away, has a bad
   * signature, exceeds a quota (only counted once the signature verifies, so nobody can use up
   * another's), would revert, or would overrun the hourly gas budget.
   */
  async forward(request: SignedForwardRequest, opts: ForwardOrigin = {}): Promise<RelayedTx> {
    const checked = this.admission.checkForward(request);
    await this.init();
    const existing = opts.idempotencyKey ? await this.store.byKey(opts.idempotencyKey) : null;
    if (existing) return this.receipts.attach(existing);
    const { to, data, gas } = await this.admission.prepareForward(request, checked, opts);
    const charge = await this.admission.chargeBudget(gas);
    const tx = await this.submit({ kind: "forward", to, data, gas, idempotencyKey: opts.idempotencyKey ?? null });
    if (tx.gasUsed !== undefined && tx.gasUsed < gas) await this.admission.creditUnused(charge, gas - tx.gasUsed).catch(() => {});
    return tx;
  }

  /**
   * The transaction stored under an idempotency key, followed to its receipt; null when none was
   * ever stored under it or the one stored never made it to a block (failed): then nothing sent under
   * this key was or will be mined, and its caller may send the same work again under a new key.
   */
  async findByKey(idempotencyKey: string): Promise<RelayedTx | null> {
    await this.init();
    const row = await this.store.byKey(idempotencyKey);
    if (!row || row.status === "failed") return null;
    return this.receipts.attach(row);
  }

  /**
   * Admission of the relayer's own call without sending it: allowed, useful, simulated within its
   * gas cap (the same checks as call()). With submit(), for callers that need the gas figure before
   * they commit to sending (the expiry keeper charges its budget with it).
   */
  async admit(call: { to: Address; data: Hex; idempotencyKey?: string }): Promise<PreparedCall> {
    const checked = this.admission.checkCall(call);
    await this.init();
    const gas = await this.admission.gasFor(call, checked);
    return { kind: "call", to: getAddress(call.to), data: call.data, gas, idempotencyKey: call.idempotencyKey ?? null };
  }

  /**
   * Sends a call that its caller already admitted (checked against the allowlist, simulated, its
   * gas limit set): it is given a nonce in the next batch, stored, broadcast and followed to its
   * receipt like any other. No check happens here, so only server code that did its own admission
   * may use it; the idempotency key is honoured (a stored key answers with its transaction).
   */
  async submit(prepared: PreparedCall): Promise<RelayedTx> {
    await this.init();
    if (this.stopped) throw new RelayRejectedError("unavailable", "the relayer stopped");
    return new Promise((resolve, reject) => {
      this.queue.push({ ...prepared, resolve, reject });
      void this.pump();
    });
  }

  /** Gas of members' requests spent (and reserved) in the current window, for /metrics. */
  budgetUse(): Promise<{ usedGas: bigint; maxGas: bigint; windowSeconds: number }> {
    return this.admission.budgetUse();
  }

  /** Transactions signed and not yet mined (queued or sent), for /metrics. */
  pendingCount(): Promise<number> {
    return this.store.pendingCount();
  }

  // ------------------------------------------------------------------ start-up and the queue

  private init(): Promise<void> {
    this.ready ??= this.startUp().catch((e) => {
      this.ready = null;
      this.log("error", "relayer start failed", { error: shortError(e) });
      throw isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
    });
    return this.ready;
  }

  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.stopped) {
        const batch = this.queue.splice(0, this.maxBatch);
        let signed: Signed[];
        try {
          signed = await this.nonces.prepareBatch(batch);
        } catch (e) {
          this.log("error", "batch failed before broadcast", { size: batch.length, error: shortError(e) });
          const err = isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
          for (const p of batch) p.reject(err);
          continue;
        }
        // Broadcasts stay in nonce order (each batch after the previous one), but the next batch is
        // signed and stored while this one is on its way to the node: one batch ahead at most.
        const previous = this.broadcasting;
        this.broadcasting = previous.then(() => this.broadcaster.broadcastBatch(signed)).catch((e) => this.log("error", "broadcast failed", { error: shortError(e) }));
        await previous;
      }
    } finally {
      this.pumping = false;
    }
  }
}
