/** POST { pointsPerEuro, cashbackBps, tierMultipliersBps, referralBonusPoints }: the merchant's earning rules (merchant console; web/lib/purchases/console.ts). */
import { setRulesRoute } from "@/lib/purchases/console.ts";

export const dynamic = "force-dynamic";

export const POST = setRulesRoute;
