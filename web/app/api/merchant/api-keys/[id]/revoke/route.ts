/** POST → { revoked }: the key stops working at once (merchant console; web/lib/purchases/console.ts). */
import { revokeKeyRoute } from "@/lib/purchases/console.ts";

export const dynamic = "force-dynamic";

export const POST = revokeKeyRoute;
