/** POST { coalition? } → { cancelled } (merchant console; web/lib/purchases/console.ts). */
import { cancelCampaignRoute } from "@/lib/purchases/console.ts";

export const dynamic = "force-dynamic";

export const POST = cancelCampaignRoute;
