-- The expiry keeper (issue 13): its durable claims (one row per account and expiry fact) and the
-- index its candidate query walks (accounts by last activity, oldest first).

-- CreateEnum
CREATE TYPE "keeper_expiry_status" AS ENUM ('claimed', 'sent', 'confirmed', 'reverted');

-- CreateTable
CREATE TABLE "keeper_expiries" (
    "account" TEXT NOT NULL,
    "last_activity" BIGINT NOT NULL,
    "amount" DECIMAL(78,0) NOT NULL,
    "status" "keeper_expiry_status" NOT NULL DEFAULT 'claimed',
    "claimed_by" TEXT NOT NULL,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "gas_estimate" BIGINT,
    "signed_tx" TEXT,
    "tx_hash" TEXT,
    "nonce" INTEGER,
    "gas_used" BIGINT,
    "block_number" BIGINT,
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "keeper_expiries_pkey" PRIMARY KEY ("account","last_activity")
);

-- CreateIndex
CREATE INDEX "keeper_expiries_claimed_at_idx" ON "keeper_expiries"("claimed_at");

-- CreateIndex
CREATE INDEX "keeper_expiries_status_idx" ON "keeper_expiries"("status");

-- CreateIndex
CREATE INDEX "accounts_last_activity_idx" ON "accounts"("last_activity");
