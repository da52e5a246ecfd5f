/**
 * Nonce allocation: one database transaction locks the relayer's nonce row (FOR UPDATE, so several
 * web servers never hand out the same nonce), signs a batch of waiting calls with consecutive
 * nonces and stores every signed transaction BEFORE anything is broadcast. A crash at any instant
 * leaves either nothing or signed bytes that recovery re-broadcasts.
 */
import type { Address, Hash, Hex } from "viem";
import type { Caller, ReceiptWatcher } from "./receipts.ts";
import type { Signer } from "./signer.ts";
import { inTransaction, type TxRow, type TxStore } from "./store.ts";

/**
 * A call that passed admission (allowed, simulated, its gas known) and is ready to be given a
 * nonce: the relayer's own call, a member's forward request wrapped in the forwarder's `execute`,
 * or any call a caller prepared itself (PgRelayer.submit).
 */
export interface PreparedCall {
  kind: "call" | "forward";
  to: Address;
  data: Hex;
  /** The transaction's gas limit (the simulation's estimate plus a margin). */
  gas: bigint;
  /** The same key is never sent twice: a second call with it is answered by the first transaction. */
  idempotencyKey: string | null;
}

/** A prepared call waiting in this process's queue, with its caller. */
export interface Pending extends PreparedCall, Caller {}

/** A pending call signed at `nonce` and stored as relayer_txs row `id`. */
export interface Signed {
  p: Pending;
  nonce: bigint;
  raw: Hex;
  hash: Hash;
  id: string;
}

export class NonceAllocator {
  constructor(
    private readonly store: TxStore,
    private readonly signer: Signer,
    private readonly receipts: ReceiptWatcher,
  ) {}

  /**
   * Signs and stores `batch` under the nonce row's lock (broadcast: Broadcaster.broadcastBatch).
   * Calls whose idempotency key is already stored are answered by that transaction instead; the
   * same key twice in one batch is one transaction answering both callers.
   */
  async prepareBatch(batch: Pending[]): Promise<Signed[]> {
    const attached: { p: Pending; row: TxRow }[] = [];
    const signed = await inTransaction(this.store.pool, async (db) => {
      let { nextNonce: next } = await this.store.lockAccount(db);
      // Under the row lock no other server can insert the same key between this check and the insert.
      const known = await this.store.byKeys(db, batch.map((p) => p.idempotencyKey).filter((k): k is string => k !== null));
      const out: Omit<Signed, "id">[] = [];
      const seen = new Map<string, Omit<Signed, "id">>();
      for (const p of batch) {
        const row = p.idempotencyKey ? known.get(p.idempotencyKey) : undefined;
        if (row) {
          attached.push({ p, row });
          continue;
        }
        const twin = p.idempotencyKey ? seen.get(p.idempotencyKey) : undefined;
        if (twin) {
          const prev = twin.p;
          twin.p = { ...prev, resolve: (t) => (prev.resolve(t), p.resolve(t)), reject: (e) => (prev.reject(e), p.reject(e)) };
          continue;
        }
        const nonce = next++;
        const s = { p, nonce, ...(await this.signer.sign(nonce, p.to, p.data, p.gas)) };
        out.push(s);
        if (p.idempotencyKey) seen.set(p.idempotencyKey, s);
      }
      if (!out.length) return [];
      const ids = await this.store.insertSigned(
        db,
        out.map((s) => ({ idempotencyKey: s.p.idempotencyKey, kind: s.p.kind, nonce: s.nonce, to: s.p.to, data: s.p.data, raw: s.raw, hash: s.hash })),
      );
      await this.store.setNextNonce(db, next);
      return out.map((s, i): Signed => ({ ...s, id: ids[i]! }));
    });
    for (const { p, row } of attached) this.receipts.attach(row).then(p.resolve, p.reject);
    // Waiters first: on an automining node the receipt exists before the broadcast even returns.
    for (const s of signed) this.receipts.track(s.hash, s.id, s.raw, { resolve: s.p.resolve, reject: s.p.reject });
    return signed;
  }
}
