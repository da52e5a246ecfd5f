-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT,
    "password_hash" TEXT,
    "address" TEXT NOT NULL,
    "key_ciphertext" BYTEA,
    "key_iv" BYTEA,
    "key_tag" BYTEA,
    "key_version" INTEGER,
    "self_custody" BOOLEAN NOT NULL DEFAULT false,
    "consent" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_nonces" (
    "nonce" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auth_nonces_pkey" PRIMARY KEY ("nonce")
);

-- CreateTable
CREATE TABLE "auth_rate_limits" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "auth_rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_address_key" ON "users"("address");

-- CreateIndex
CREATE INDEX "auth_nonces_expires_at_idx" ON "auth_nonces"("expires_at");

-- The encrypted key is whole or absent; IV and tag have AES-GCM's sizes (added by hand: Prisma
-- does not model CHECK constraints, and the diff tool ignores them).
ALTER TABLE "users" ADD CONSTRAINT "users_key_whole" CHECK (
  ("key_ciphertext" IS NULL AND "key_iv" IS NULL AND "key_tag" IS NULL AND "key_version" IS NULL)
  OR ("key_ciphertext" IS NOT NULL AND octet_length("key_iv") = 12 AND octet_length("key_tag") = 16 AND "key_version" IS NOT NULL)
);
