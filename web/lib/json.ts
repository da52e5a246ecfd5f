/** JSON responses with bigint as decimal strings. */
export function json(data: unknown, init: ResponseInit = {}): Response {
  const body = JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return new Response(body, {
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
