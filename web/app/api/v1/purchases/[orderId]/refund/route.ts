/** POST /api/v1/purchases/{orderId}/refund: claws back what the member still holds of that purchase. */
import { segmentAfter } from "@/lib/edge/path.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";
import { refundPurchase } from "@/lib/purchases/purchases.ts";
import { purchaseDeps } from "@/lib/purchases/server.ts";

export const dynamic = "force-dynamic";

export const POST = route({
  auth: "api",
  body: false,
  async handle({ request, merchant }) {
    const orderId = segmentAfter(request, "purchases");
    return orderId ? refundPurchase(purchaseDeps(), merchant, orderId) : fail(404, "unknown_order", "no such order");
  },
});
