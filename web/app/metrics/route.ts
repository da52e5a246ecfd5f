/** GET /metrics: Prometheus metrics of the relayer (lib/metrics.ts says who may read them). */
import { problem } from "@/lib/edge/response.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";
import { mayScrape, metricsText } from "@/lib/metrics.ts";

export const dynamic = "force-dynamic";

export const GET = route({
  auth: "public",
  unexpected: fail(503, "unavailable", "the metrics could not be read"),
  async handle({ request }) {
    if (!mayScrape(request)) return problem(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>");
    const { text, contentType } = await metricsText();
    return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  },
});
