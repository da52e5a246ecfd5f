-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "point_event_kind" AS ENUM ('issuance', 'transfer', 'redemption', 'donation', 'expiry', 'clawback');

-- CreateTable
CREATE TABLE "indexer_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "chain_id" INTEGER NOT NULL,
    "genesis_hash" TEXT NOT NULL,
    "points_address" TEXT NOT NULL,
    "rewards_address" TEXT NOT NULL,
    "start_block" BIGINT NOT NULL,
    "cursor_number" BIGINT NOT NULL,
    "cursor_hash" TEXT,
    "finalized_number" BIGINT NOT NULL DEFAULT -1,
    "events_applied" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "indexer_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "blocks" (
    "number" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "parent_hash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(0) NOT NULL,
    "finalized" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("number")
);

-- CreateTable
CREATE TABLE "accounts" (
    "address" TEXT NOT NULL,
    "balance" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "lifetime_earned" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "tier" INTEGER NOT NULL DEFAULT 0,
    "last_activity" TIMESTAMPTZ(0),
    "updated_block" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "point_events" (
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "transfer_index" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(0) NOT NULL,
    "kind" "point_event_kind" NOT NULL,
    "from_address" TEXT,
    "to_address" TEXT,
    "amount" DECIMAL(78,0) NOT NULL,
    "merchant" TEXT,
    "ref" TEXT,
    "reward_id" DECIMAL(78,0),
    "triggered_by" TEXT,

    CONSTRAINT "point_events_pkey" PRIMARY KEY ("block_number","log_index")
);

-- CreateTable
CREATE TABLE "program_events" (
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(0) NOT NULL,
    "contract" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "args" JSONB NOT NULL,

    CONSTRAINT "program_events_pkey" PRIMARY KEY ("block_number","log_index")
);

-- CreateTable
CREATE TABLE "program_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "tier_thresholds" DECIMAL(78,0)[],
    "inactivity_period" BIGINT NOT NULL DEFAULT 0,
    "paused" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "program_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "merchants" (
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "allowance" DECIMAL(78,0) NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "onboarded_at" TIMESTAMPTZ(0),

    CONSTRAINT "merchants_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "charities" (
    "address" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "charities_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "rewards" (
    "id" BIGINT NOT NULL,
    "merchant" TEXT NOT NULL,
    "cost" DECIMAL(78,0) NOT NULL,
    "supply_cap" BIGINT NOT NULL,
    "min_tier" INTEGER NOT NULL,
    "valid_from" BIGINT NOT NULL,
    "valid_until" BIGINT NOT NULL,
    "soulbound" BOOLEAN NOT NULL,
    "mint_only" BOOLEAN NOT NULL,
    "category" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "minted" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(0) NOT NULL,

    CONSTRAINT "rewards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reward_tokens" (
    "token_id" DECIMAL(78,0) NOT NULL,
    "reward_id" BIGINT NOT NULL,
    "owner" TEXT NOT NULL,
    "consumed" BOOLEAN NOT NULL DEFAULT false,
    "minted_block" BIGINT NOT NULL,
    "minted_at" TIMESTAMPTZ(0) NOT NULL,

    CONSTRAINT "reward_tokens_pkey" PRIMARY KEY ("token_id")
);

-- CreateTable
CREATE TABLE "nft_transfers" (
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "timestamp" TIMESTAMPTZ(0) NOT NULL,
    "token_id" DECIMAL(78,0) NOT NULL,
    "from_address" TEXT NOT NULL,
    "to_address" TEXT NOT NULL,

    CONSTRAINT "nft_transfers_pkey" PRIMARY KEY ("block_number","log_index")
);

-- CreateIndex
CREATE UNIQUE INDEX "blocks_hash_key" ON "blocks"("hash");

-- CreateIndex
CREATE INDEX "accounts_balance_idx" ON "accounts"("balance" DESC);

-- CreateIndex
CREATE INDEX "point_events_from_address_block_number_log_index_idx" ON "point_events"("from_address", "block_number" DESC, "log_index" DESC);

-- CreateIndex
CREATE INDEX "point_events_to_address_block_number_log_index_idx" ON "point_events"("to_address", "block_number" DESC, "log_index" DESC);

-- CreateIndex
CREATE INDEX "point_events_merchant_timestamp_idx" ON "point_events"("merchant", "timestamp");

-- CreateIndex
CREATE INDEX "point_events_timestamp_idx" ON "point_events"("timestamp");

-- CreateIndex
CREATE INDEX "program_events_name_idx" ON "program_events"("name");

-- CreateIndex
CREATE INDEX "rewards_merchant_idx" ON "rewards"("merchant");

-- CreateIndex
CREATE INDEX "reward_tokens_owner_idx" ON "reward_tokens"("owner");

-- CreateIndex
CREATE INDEX "reward_tokens_reward_id_idx" ON "reward_tokens"("reward_id");

-- CreateIndex
CREATE INDEX "nft_transfers_token_id_idx" ON "nft_transfers"("token_id");

-- AddForeignKey
ALTER TABLE "reward_tokens" ADD CONSTRAINT "reward_tokens_reward_id_fkey" FOREIGN KEY ("reward_id") REFERENCES "rewards"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
