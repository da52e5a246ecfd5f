/** GET → { endpoints } (no secrets); POST { url, events } → { id, url, events, secret } (the secret is shown this once) (web/lib/webhooks/routes.ts). */
import { createWebhookRoute, listWebhooksRoute } from "@/lib/webhooks/routes.ts";

export const dynamic = "force-dynamic";

export const GET = listWebhooksRoute;
export const POST = createWebhookRoute;
