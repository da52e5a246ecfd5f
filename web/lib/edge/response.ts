/** JSON answers of the app: bigints as decimal strings (viem's `stringify`), never cached. */
import { stringify } from "viem";
import type { Result } from "./result.ts";

export function json(data: unknown, init: ResponseInit = {}): Response {
  return new Response(stringify(data), {
    ...init,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...(init.headers ?? {}) },
  });
}

export function problem(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message } }, { status, headers });
}

/** 429 with Retry-After (seconds). */
export function tooMany(retryAfterSeconds: number, message: string, code = "rate_limited"): Response {
  return problem(429, code, message, { "retry-after": String(retryAfterSeconds) });
}

/** A server action's outcome as its HTTP answer. */
export function respond(r: Result<object>, headers: Record<string, string> = {}): Response {
  return "error" in r ? json({ error: r.error }, { status: r.status, headers }) : json(r.body, { status: r.status, headers });
}
