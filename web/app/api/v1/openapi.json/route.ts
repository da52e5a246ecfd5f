/** GET /api/v1/openapi.json: the API's OpenAPI 3.1 description (web/lib/purchases/openapi.ts). */
import { json } from "@/lib/json.ts";
import { openApiDocument } from "@/lib/purchases/openapi.ts";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  return json(openApiDocument(new URL(request.url).origin), { headers: { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" } });
}
