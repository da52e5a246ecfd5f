/** POST { name, kind, multiplierBps | bonusPoints, minAmountCents, startsAt, endsAt, coalition? } (merchant console; web/lib/purchases/console.ts). */
import { createCampaignRoute } from "@/lib/purchases/console.ts";

export const dynamic = "force-dynamic";

export const POST = createCampaignRoute;
