-- Member accounts (issue 5): session revocation, consent history, self-custody wallets and the move
-- from a custodial wallet to the member's own.

-- The version every custodial session cookie carries: log-out-everywhere, deletion and the move to
-- self-custody bump it, which revokes every cookie issued before.
ALTER TABLE "users" ADD COLUMN "session_version" INTEGER NOT NULL DEFAULT 1;
-- After a move to self-custody: the former custodial address (address then holds the member's own
-- wallet), when it happened, and while it runs the wallet the member proved they control.
ALTER TABLE "users" ADD COLUMN "custodial_address" TEXT;
ALTER TABLE "users" ADD COLUMN "moved_at" TIMESTAMPTZ(3);
ALTER TABLE "users" ADD COLUMN "move_target" TEXT;

-- CreateTable
CREATE TABLE "consent_events" (
    "id" BIGSERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "choice" TEXT NOT NULL,
    "granted" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_custodial_address_key" ON "users"("custodial_address");

-- CreateIndex
CREATE INDEX "consent_events_user_id_at_idx" ON "consent_events"("user_id", "at");

-- AddForeignKey
ALTER TABLE "consent_events" ADD CONSTRAINT "consent_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Added by hand (Prisma does not model CHECK constraints): a member who moved holds no key
ALTER TABLE "users" ADD CONSTRAINT "users_moved_without_key" CHECK ("moved_at" IS NULL OR ("self_custody" AND "key_ciphertext" IS NULL));
