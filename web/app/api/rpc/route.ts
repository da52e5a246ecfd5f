/**
 * Read-only JSON-RPC for the browser (wagmi's transport): forwards an allowlist of methods to the
 * node, so the RPC endpoint (and any key in it) stays on the server. Writes never pass here: they
 * are signed and sent by the member's own wallet.
 */
import { rpcUrl } from "@/lib/config.ts";
import { problem } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

const ALLOWED = new Set([
  "eth_chainId", "eth_blockNumber", "eth_call", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas",
  "eth_feeHistory", "eth_getBalance", "eth_getCode", "eth_getTransactionCount", "eth_getTransactionByHash",
  "eth_getTransactionReceipt", "eth_getBlockByNumber", "eth_getBlockByHash", "net_version",
]);
const MAX_BODY = 256 * 1024;

export async function POST(request: Request) {
  const text = await request.text();
  if (text.length > MAX_BODY) return problem(413, "too_large", "request too large");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return problem(400, "bad_json", "expected JSON-RPC");
  }
  const calls = Array.isArray(body) ? body : [body];
  if (calls.length === 0 || calls.length > 100) return problem(400, "bad_batch", "1 to 100 calls");
  for (const c of calls) {
    const method = (c as { method?: unknown })?.method;
    if (typeof method !== "string" || !ALLOWED.has(method)) return problem(403, "method_not_allowed", `method not allowed: ${String(method)}`);
  }
  const upstream = await fetch(rpcUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: text, signal: AbortSignal.timeout(20_000) });
  return new Response(await upstream.text(), { status: upstream.status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}
