-- Email that members can trust (issue 15): a verified address, the member's language for mail,
-- the single-use links of verification and password reset, and one row per mail the programme
-- means to send (the outbox's facts: a fact is sent once, whatever retries or workers do).

-- When the member proved the address (the verification link, or a password reset by email);
-- null: unverified, and a shop's points sent to this email are refused (member_unverified).
-- Accounts that exist before this migration are unverified too: none of them ever proved theirs.
ALTER TABLE "users"
ADD COLUMN "email_verified_at" TIMESTAMPTZ(3),
ADD COLUMN "language" TEXT NOT NULL DEFAULT 'fr',
ADD CONSTRAINT "users_language" CHECK ("language" IN ('fr', 'en'));

CREATE TYPE "email_token_purpose" AS ENUM ('verify', 'reset');

-- A link's token is `<id>.<secret>`; only the SHA-256 of the whole token is kept. `email` is the
-- address the link was sent to: a link proves that address, not whatever the account holds later.
CREATE TABLE "email_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "purpose" "email_token_purpose" NOT NULL,
    "email" TEXT NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_tokens_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "email_tokens_user_id_purpose_idx" ON "email_tokens"("user_id", "purpose");

ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TYPE "mail_status" AS ENUM ('queued', 'sent', 'skipped', 'failed');

-- One row per fact that a mail reports (`verify:<user>:<token>`, `reset:<user>:<token>`), written
-- in the same transaction as the fact and its queue job; the worker marks it sent in the same
-- transaction that holds the row while it talks to the SMTP server. The recipient is not copied
-- here: it is read from the account when the mail goes.
CREATE TABLE "mail_messages" (
    "fact_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "user_id" UUID,
    "token_id" UUID,
    "status" "mail_status" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "message_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "mail_messages_pkey" PRIMARY KEY ("fact_id")
);

CREATE INDEX "mail_messages_status_created_at_idx" ON "mail_messages"("status", "created_at");

ALTER TABLE "mail_messages" ADD CONSTRAINT "mail_messages_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
