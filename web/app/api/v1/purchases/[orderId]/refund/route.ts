/** POST /api/v1/purchases/{orderId}/refund: claws back what the member still holds of that purchase. */
import { handleApi, orderIdFrom, purchaseDeps } from "@/lib/purchases/http.ts";
import { refundPurchase } from "@/lib/purchases/purchases.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleApi(
    request,
    async ({ merchant }) => {
      const orderId = orderIdFrom(request);
      return orderId ? refundPurchase(purchaseDeps(), merchant, orderId) : { status: 404, error: { code: "unknown_order", message: "no such order" } };
    },
    { body: false },
  );
}
