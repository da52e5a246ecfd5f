/**
 * Start-up recovery, once per process before the first call, under the nonce row's lock: syncs
 * the row with the chain and settles what a previous process left (receipts of sent transactions,
 * re-broadcast of the ones the node does not know, fillers for nonces that cannot be used). A chain
 * reset (another genesis hash, a restarted local node) abandons what was sent to the old chain.
 */
import type { Address, PublicClient } from "viem";
import type { Broadcaster } from "./broadcast.ts";
import type { Log } from "./log.ts";
import type { ReceiptWatcher } from "./receipts.ts";
import { inTransaction, type TxStore } from "./store.ts";

export interface RecoveryOptions {
  client: PublicClient;
  address: Address;
  chainId: number;
  store: TxStore;
  receipts: ReceiptWatcher;
  broadcaster: Broadcaster;
  log: Log;
}

export async function recover({ client, address, chainId, store, receipts, broadcaster, log }: RecoveryOptions): Promise<void> {
  const [genesis, pendingNonce, latestNonce, head] = await Promise.all([
    client.getBlock({ blockNumber: 0n }).then((b) => b.hash),
    client.getTransactionCount({ address, blockTag: "pending" }),
    client.getTransactionCount({ address, blockTag: "latest" }),
    client.getBlockNumber(),
  ]);
  receipts.lastBlock = head;
  const next = await inTransaction(store.pool, async (db) => {
    await store.ensureAccount(db, pendingNonce, genesis);
    const row = await store.lockAccount(db);
    let next = row.nextNonce;
    if (row.genesisHash !== genesis) {
      const abandoned = await store.abandonOpen(db, "chain reset");
      log("warn", "chain reset: nonces re-synced", { abandoned, nonce: pendingNonce });
      next = BigInt(pendingNonce);
      await store.setGenesis(db, genesis);
    } else {
      const covered = new Set<bigint>();
      for (const tx of await store.open(db)) {
        const receipt = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
        if (receipt) {
          await receipts.settle(db, [{ id: tx.id, receipt }]);
          covered.add(BigInt(tx.nonce));
          continue;
        }
        if (BigInt(tx.nonce) < BigInt(latestNonce)) {
          await store.markFailed(db, tx.id, "nonce used by another transaction");
          continue;
        }
        const result = await broadcaster.send(tx.raw);
        if (result === "ok") {
          await store.markSent(db, [tx.id], false);
          receipts.track(tx.hash, tx.id, tx.raw);
          covered.add(BigInt(tx.nonce));
        } else if (result !== "transport" && result !== "early") {
          // Refused, e.g. "nonce too low" because another server's copy of it was just mined.
          const mined = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
          if (mined) {
            await receipts.settle(db, [{ id: tx.id, receipt: mined }]);
            covered.add(BigInt(tx.nonce));
          } else await store.markFailed(db, tx.id, result.error);
        } else {
          receipts.track(tx.hash, tx.id, tx.raw);
          covered.add(BigInt(tx.nonce));
        }
        log("info", "recovered transaction", { id: tx.id, hash: tx.hash, nonce: tx.nonce, result: typeof result === "string" ? result : "refused" });
      }
      if (BigInt(pendingNonce) > next) next = BigInt(pendingNonce);
      // Nonces handed out but neither mined nor pending (their transaction was refused or lost):
      // filled, or every later transaction would wait behind the gap.
      for (let n = BigInt(pendingNonce); n < next; n++) {
        if (!covered.has(n)) await broadcaster.fill(db, n, "gap found at start");
      }
    }
    await store.setNextNonce(db, next);
    return next;
  });
  log("info", "relayer ready", { address, chainId, nextNonce: next });
  receipts.resume();
}
