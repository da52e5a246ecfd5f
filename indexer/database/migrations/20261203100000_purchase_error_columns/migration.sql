-- A failed purchase's answer in columns (issue 16), no longer one "status code message" string
-- parsed back with a regular expression; and the purchase's status as an enum, so that no other
-- value can be written. Existing rows are converted here, once: a failed row's last_error is split
-- as the old reader did (three digits, a code without spaces, the rest), and a string it could
-- not parse becomes what that reader answered for it (502 issuance_failed with the string itself).
CREATE TYPE "purchase_status" AS ENUM ('pending', 'issued', 'failed');

ALTER TABLE "purchases"
ADD COLUMN "error_status" INTEGER,
ADD COLUMN "error_code" TEXT,
ADD COLUMN "error_message" TEXT;

-- Postgres regular expressions: "." also matches a newline (a message may hold one).
UPDATE "purchases" AS p
SET "error_status" = COALESCE(m.parts[1]::int, 502),
    "error_code" = COALESCE(m.parts[2], 'issuance_failed'),
    "error_message" = COALESCE(m.parts[3], p."last_error", 'the issuance failed')
FROM (SELECT "id", regexp_match("last_error", '^([0-9]{3}) ([^ \t\r\n]+) (.*)$') AS parts FROM "purchases" WHERE "status" = 'failed') AS m
WHERE p."id" = m."id";

ALTER TABLE "purchases" DROP COLUMN "last_error";

-- The enum says what the CHECK said (and the CHECK's text comparison would not survive the new type).
ALTER TABLE "purchases" DROP CONSTRAINT "purchases_status";
ALTER TABLE "purchases" ALTER COLUMN "status" TYPE "purchase_status" USING ("status"::"purchase_status");

-- Only a failed purchase has an error, and then all three parts of it.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_error" CHECK (
  ("error_status" IS NULL) = ("error_code" IS NULL) AND ("error_code" IS NULL) = ("error_message" IS NULL)
  AND ("status" = 'failed') = ("error_code" IS NOT NULL)
);
