/**
 * The client's address, for per-IP limits (log-in, sign-up, the relayer's quotas, /api/rpc,
 * /metrics). Route handlers cannot see the socket: the production server (web/server.ts) puts the
 * socket's address in X-Forwarded-For and drops what the client sent, unless TRUST_PROXY says how
 * many proxies in front append to it (./env.ts); the address is then the entry that many hops from
 * the right, the one the outermost trusted proxy saw. Earlier entries are the client's own claims.
 * (Under `next dev` the header is whatever the client sent: development only.)
 */
import { trustedProxyHops } from "./env.ts";

export function clientIp(request: Request, hops = trustedProxyHops()): string {
  const entries = (request.headers.get("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const ip = entries[Math.max(0, entries.length - Math.max(1, hops))] ?? "unknown";
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "").slice(0, 64);
}

/** Whether the client is this machine (loopback), e.g. a local Prometheus scraping /metrics. */
export function isLoopback(ip: string): boolean {
  return ip === "::1" || /^127\.\d+\.\d+\.\d+$/.test(ip);
}
