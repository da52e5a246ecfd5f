/** GET /api/v1/openapi.json: the API's OpenAPI 3.1 description (web/lib/purchases/openapi.ts). */
import { appOrigin } from "@/lib/config.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";
import { openApiDocument } from "@/lib/purchases/openapi.ts";

export const dynamic = "force-dynamic";

/** The server URL is the configured origin (APP_URL): shared caches keep this document, so a Host header must not choose it. */
export const GET = route({
  auth: "public",
  handle: async () => json(openApiDocument(appOrigin()), { headers: { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" } }),
});
