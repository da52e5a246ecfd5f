/** GET /metrics: Prometheus metrics of the relayer (lib/metrics.ts says who may read them). */
import { problem } from "@/lib/json.ts";
import { mayScrape, metricsText } from "@/lib/metrics.ts";
import { createLogger } from "../../../scripts/lib/log.ts";

const log = createLogger({ component: "metrics" });

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  if (!mayScrape(request)) return problem(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>");
  try {
    const { text, contentType } = await metricsText();
    return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  } catch (e) {
    log.error("metrics failed", { error: (e as Error).name });
    return problem(503, "unavailable", "the metrics could not be read");
  }
}
