-- The relayer (nonces, every transaction it signed) and the merchant purchase API (API keys, earning
-- rules, campaigns, purchases, referrals). Issue 5; web/lib/relayer, web/lib/purchases.

-- CreateTable
CREATE TABLE "relayer_accounts" (
    "address" TEXT NOT NULL,
    "chain_id" INTEGER NOT NULL,
    "next_nonce" BIGINT NOT NULL,
    "genesis_hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relayer_accounts_pkey" PRIMARY KEY ("address","chain_id")
);

-- CreateTable
CREATE TABLE "relayer_txs" (
    "id" BIGSERIAL NOT NULL,
    "idempotency_key" TEXT,
    "kind" TEXT NOT NULL,
    "relayer" TEXT NOT NULL,
    "chain_id" INTEGER NOT NULL,
    "nonce" BIGINT NOT NULL,
    "to" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "block_number" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "relayer_txs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "merchant_api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" BYTEA NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "merchant_api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "earning_rules" (
    "merchant" TEXT NOT NULL,
    "points_per_euro" INTEGER NOT NULL,
    "cashback_bps" INTEGER NOT NULL,
    "tier_multipliers_bps" INTEGER[],
    "referral_bonus_points" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "earning_rules_pkey" PRIMARY KEY ("merchant")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant" TEXT,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "multiplier_bps" INTEGER,
    "bonus_points" BIGINT,
    "min_amount_cents" BIGINT NOT NULL DEFAULT 0,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchases" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "member" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "points" BIGINT,
    "breakdown" JSONB,
    "ref" TEXT NOT NULL,
    "tx_hash" TEXT,
    "block_number" BIGINT,
    "last_error" TEXT,
    "referrer" TEXT,
    "referral_points" BIGINT,
    "referral_tx_hash" TEXT,
    "referral_status" TEXT,
    "refunded_points" BIGINT NOT NULL DEFAULT 0,
    "refund_tx_hash" TEXT,
    "refunded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "purchases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "referrals" (
    "member" TEXT NOT NULL,
    "referrer" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewarded_purchase_id" UUID,

    CONSTRAINT "referrals_pkey" PRIMARY KEY ("member")
);
-- CreateIndex
CREATE UNIQUE INDEX "relayer_txs_idempotency_key_key" ON "relayer_txs"("idempotency_key");

-- CreateIndex
CREATE INDEX "relayer_txs_relayer_chain_id_status_idx" ON "relayer_txs"("relayer", "chain_id", "status");

-- CreateIndex
CREATE INDEX "relayer_txs_hash_idx" ON "relayer_txs"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "merchant_api_keys_prefix_key" ON "merchant_api_keys"("prefix");

-- CreateIndex
CREATE INDEX "merchant_api_keys_merchant_idx" ON "merchant_api_keys"("merchant");

-- CreateIndex
CREATE INDEX "campaigns_merchant_ends_at_idx" ON "campaigns"("merchant", "ends_at");

-- CreateIndex
CREATE INDEX "purchases_member_status_idx" ON "purchases"("member", "status");

-- CreateIndex
CREATE UNIQUE INDEX "purchases_merchant_order_id_key" ON "purchases"("merchant", "order_id");


-- Added by hand (Prisma does not model CHECK constraints).
ALTER TABLE "relayer_txs" ADD CONSTRAINT "relayer_txs_status" CHECK ("status" IN ('queued', 'sent', 'confirmed', 'reverted', 'failed'));
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_status" CHECK ("status" IN ('pending', 'issued', 'failed'));
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_amount" CHECK ("amount_cents" > 0);
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_kind" CHECK (
  ("kind" = 'multiplier' AND "multiplier_bps" IS NOT NULL AND "bonus_points" IS NULL)
  OR ("kind" = 'bonus' AND "bonus_points" IS NOT NULL AND "multiplier_bps" IS NULL)
);
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_window" CHECK ("ends_at" > "starts_at");
