-- Statuses and kinds as enums (issue 12), so that no other value can be written and the schema
-- says the values in one place. Columns are converted in place (ALTER ... TYPE ... USING), keeping
-- their rows; the CHECK constraints that compared them with text go (relayer_txs_status, which the
-- enum replaces) or are made again over the new type (campaigns_kind).
CREATE TYPE "relayer_tx_status" AS ENUM ('queued', 'sent', 'confirmed', 'reverted', 'failed');
CREATE TYPE "relayer_tx_kind" AS ENUM ('call', 'forward', 'fill');
CREATE TYPE "campaign_kind" AS ENUM ('multiplier', 'bonus');
CREATE TYPE "purchase_member_given" AS ENUM ('address', 'email', 'id');

ALTER TABLE "relayer_txs" DROP CONSTRAINT "relayer_txs_status";
ALTER TABLE "relayer_txs"
ALTER COLUMN "status" TYPE "relayer_tx_status" USING ("status"::"relayer_tx_status"),
ALTER COLUMN "kind" TYPE "relayer_tx_kind" USING ("kind"::"relayer_tx_kind");

ALTER TABLE "campaigns" DROP CONSTRAINT "campaigns_kind";
ALTER TABLE "campaigns" ALTER COLUMN "kind" TYPE "campaign_kind" USING ("kind"::"campaign_kind");
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_kind" CHECK (
  ("kind" = 'multiplier' AND "multiplier_bps" IS NOT NULL AND "bonus_points" IS NULL)
  OR ("kind" = 'bonus' AND "bonus_points" IS NOT NULL AND "multiplier_bps" IS NULL)
);

ALTER TABLE "purchases" ALTER COLUMN "member_given" DROP DEFAULT;
ALTER TABLE "purchases" ALTER COLUMN "member_given" TYPE "purchase_member_given" USING ("member_given"::"purchase_member_given");
ALTER TABLE "purchases" ALTER COLUMN "member_given" SET DEFAULT 'address';
