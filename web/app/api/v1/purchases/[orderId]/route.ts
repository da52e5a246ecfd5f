/** GET /api/v1/purchases/{orderId}: one of the key's merchant's purchases. */
import { segmentAfter } from "@/lib/edge/path.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";
import { getPurchase } from "@/lib/purchases/purchases.ts";
import { apiPool } from "@/lib/purchases/server.ts";

export const dynamic = "force-dynamic";

export const GET = route({
  auth: "api",
  async handle({ request, merchant }) {
    const orderId = segmentAfter(request, "purchases");
    return orderId ? getPurchase({ db: apiPool() }, merchant, orderId) : fail(404, "unknown_order", "no such order");
  },
});
