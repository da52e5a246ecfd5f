/**
 * Every answer carries a Request-Id, also written on the request's log lines, so a shop's developer
 * and this platform's operator speak of the same request. A caller's own id is kept when it is a
 * plain token (a till's or an e-shop's correlation id); anything else is replaced.
 */
import { randomUUID } from "node:crypto";

export const REQUEST_ID_HEADER = "request-id";

const TOKEN = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdOf(request: Request): string {
  const given = request.headers.get(REQUEST_ID_HEADER) ?? request.headers.get("x-request-id");
  return given && TOKEN.test(given) ? given : randomUUID();
}

/** `response` with the id set (a copy when its headers are immutable, as a fetched response's are). */
export function withRequestId(response: Response, id: string): Response {
  try {
    response.headers.set(REQUEST_ID_HEADER, id);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(REQUEST_ID_HEADER, id);
    return copy;
  }
}
