/** POST → { disabled }: the endpoint gets nothing more; its queued deliveries fail (web/lib/webhooks/routes.ts). */
import { disableWebhookRoute } from "@/lib/webhooks/routes.ts";

export const dynamic = "force-dynamic";

export const POST = disableWebhookRoute;
