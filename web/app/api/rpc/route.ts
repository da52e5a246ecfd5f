/**
 * Read-only JSON-RPC for the browser (wagmi's transport): the program's reads only
 * (lib/rpc-policy.ts), forwarded to the node so that the RPC endpoint (and any key in it) stays on
 * the server. The body goes through the size-limited reader; calls are counted per client address
 * (RPC_RATE_PER_MINUTE, default 600 a minute; 429 with Retry-After). Writes never pass here: they
 * are signed and sent by the member's own wallet or relayed. Upstream failures answer a generic 502
 * and log the RPC's origin only (the edge's logger reduces every URL to its origin).
 */
import { attempt } from "@/lib/auth/rate-limit.ts";
import { deployment, rpcUrl } from "@/lib/config.ts";
import { appDb } from "@/lib/data/db.ts";
import { problem, tooMany } from "@/lib/edge/response.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";
import { MAX_CALLS, refuseCall } from "@/lib/rpc-policy.ts";
import { redactUrls } from "../../../../scripts/lib/redact.ts";

export const dynamic = "force-dynamic";

const MAX_BODY = 256 * 1024;

function perMinute(): number {
  const n = Number(process.env.RPC_RATE_PER_MINUTE ?? 600);
  return Number.isSafeInteger(n) && n > 0 ? n : 600;
}

const g = globalThis as unknown as { __rpcHead?: { at: number; head: bigint } };

/** The chain's head, cached for a second (bounds "latest" in log ranges). */
async function head(): Promise<bigint> {
  if (g.__rpcHead && Date.now() - g.__rpcHead.at < 1_000) return g.__rpcHead.head;
  const answer = await upstream(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "eth_blockNumber", params: [] }));
  const value = BigInt((JSON.parse(answer.text) as { result: string }).result);
  g.__rpcHead = { at: Date.now(), head: value };
  return value;
}

class UpstreamError extends Error {}

async function upstream(body: string): Promise<{ status: number; text: string }> {
  let r: Response;
  try {
    r = await fetch(rpcUrl(), { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(20_000) });
  } catch (e) {
    throw new UpstreamError(redactUrls(`${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? "")}`));
  }
  // A provider's own error page could quote the key: never passed on.
  if (!r.ok || !/json/i.test(r.headers.get("content-type") ?? "")) throw new UpstreamError(`HTTP ${r.status}`);
  return { status: r.status, text: await r.text() };
}

export const POST = route({
  auth: "public",
  body: { maxBytes: MAX_BODY },
  unexpected: fail(502, "rpc_unavailable", "the chain could not be reached: try again later"),
  async handle({ body, ip }) {
    const calls = Array.isArray(body) ? body : [body];
    if (calls.length === 0 || calls.length > MAX_CALLS) return problem(400, "bad_batch", `1 to ${MAX_CALLS} calls`);
    const limit = await attempt(appDb(), `rpc:ip:${ip}`, { max: perMinute(), windowSeconds: 60 }, calls.length);
    if (!limit.ok) return tooMany(limit.retryAfterSeconds, `at most ${perMinute()} calls a minute: try again later`);
    const d = deployment();
    const contracts = [d.contracts.LoyaltyPoints.address, d.contracts.RewardNFT.address, d.contracts.LoyaltyForwarder.address];
    const needsHead = calls.some((c) => (c as { method?: unknown })?.method === "eth_getLogs");
    const tip = needsHead ? await head() : 0n;
    for (const c of calls) {
      const why = refuseCall(c, contracts, tip);
      if (why) return problem(403, "method_not_allowed", why);
    }
    const answer = await upstream(JSON.stringify(body));
    return new Response(answer.text, { status: 200, headers: { "content-type": "application/json", "cache-control": "no-store" } });
  },
});
