/**
 * A Content-Security-Policy on every page, with a fresh nonce per response: Next puts the nonce on
 * its own scripts (it reads it from the request's CSP header), and 'strict-dynamic' lets only those
 * load others, so an injected <script> or inline handler never runs. No plugins, no framing, forms
 * and the base URL only to this site; connections only to this site (the chain is reached through
 * /api/rpc). Injected wallets are unaffected: an extension's provider is not a page script.
 * Pages only: API responses carry a static policy (next.config.ts).
 */
import { NextResponse, type NextRequest } from "next/server";

export function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    // React's style attributes (progress bars, charts): attributes cannot carry a nonce.
    "style-src 'self' 'unsafe-inline'",
    // Wallet icons are data: URIs (EIP-6963); QR codes are inline SVG.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "media-src 'self' blob:",
    `connect-src 'self'${options.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https: (process.env.APP_URL ?? "").startsWith("https:") });
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  matcher: [{ source: "/((?!api/|metrics|_next/static|_next/image|favicon.ico|rewards/).*)" }],
};
