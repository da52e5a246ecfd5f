/** POST /api/v1/purchases: a merchant's purchase (API key) becomes points. See /api/v1/openapi.json. */
import { handleApi, purchaseDeps } from "@/lib/purchases/http.ts";
import { recordPurchase } from "@/lib/purchases/purchases.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleApi(request, ({ merchant, body }) => recordPurchase(purchaseDeps(), merchant, body), { body: true, memberLookup: true });
}
