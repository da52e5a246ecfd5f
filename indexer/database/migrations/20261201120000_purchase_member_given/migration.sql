-- How the merchant named the purchase's member (issue 11): "address", "email" or "id". The purchase
-- API echoes a member's address only to a merchant that sent it, so an email or an id never
-- becomes a wallet address through it.
ALTER TABLE "purchases" ADD COLUMN "member_given" TEXT NOT NULL DEFAULT 'address';
