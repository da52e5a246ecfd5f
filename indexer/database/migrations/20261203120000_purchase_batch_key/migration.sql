-- Issue 16: purchases coalesced into issuePurchasesFor batches. A purchase's batch is recorded
-- before the batch is broadcast: batch_key is the relayer transaction's idempotency key
-- (relayer_txs.idempotency_key), so that after a crash the purchase is resolved from that
-- transaction's receipt, or re-batched when no transaction was ever sent under the key.
ALTER TABLE "purchases" ADD COLUMN "batch_key" TEXT;

-- The recovery sweep: pending purchases already placed in a batch.
CREATE INDEX "purchases_pending_batch" ON "purchases" ("batch_key") WHERE "status" = 'pending' AND "batch_key" IS NOT NULL;
