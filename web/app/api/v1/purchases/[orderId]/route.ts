/** GET /api/v1/purchases/{orderId}: one of the key's merchant's purchases. */
import { apiPool, handleApi, orderIdFrom } from "@/lib/purchases/http.ts";
import { getPurchase } from "@/lib/purchases/purchases.ts";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  return handleApi(
    request,
    async ({ merchant }) => {
      const orderId = orderIdFrom(request);
      return orderId ? getPurchase({ db: apiPool() }, merchant, orderId) : { status: 404, error: { code: "unknown_order", message: "no such order" } };
    },
    { body: false },
  );
}
