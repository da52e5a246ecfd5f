/** POST /api/v1/purchases: a merchant's purchase (API key) becomes points. See /api/v1/openapi.json. */
import { route } from "@/lib/edge/route.ts";
import { recordPurchase } from "@/lib/purchases/purchases.ts";
import { purchaseDeps } from "@/lib/purchases/server.ts";

export const dynamic = "force-dynamic";

export const POST = route({ auth: "api", memberLookup: true, handle: ({ merchant, body }) => recordPurchase(purchaseDeps(), merchant, body) });
