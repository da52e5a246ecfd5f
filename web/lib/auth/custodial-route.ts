/**
 * The HTTP side of email/password sign-up and log-in (routes app/api/auth/signup and login):
 * same-origin only, a small JSON body, the client's address for the rate limits, and the session
 * cookie (kind "custodial"; httpOnly, SameSite=Lax, Secure in production).
 */
import "server-only";
import type { Queryable } from "../custody/users.ts";
import { chainId } from "../config.ts";
import { queries, NoDatabaseError } from "../data/db.ts";
import { json, problem } from "../json.ts";
import { readJsonBody } from "../request-body.ts";
import type { AuthResult } from "./accounts.ts";
import { sameOrigin, SESSION_TTL_SECONDS, sessionCookie } from "./session.ts";

const MAX_BODY = 8 * 1024;

/**
 * The client's IP for the per-IP limits: the last x-forwarded-for entry (the one the nearest proxy
 * appended; earlier entries are the client's own claims), else x-real-ip. Route handlers cannot see
 * the socket, and `next start` only fills x-forwarded-for when the request has none, so a client
 * talking to Next directly can choose this value: in production put a proxy in front that appends
 * (or overwrites) x-forwarded-for. The per-email limit does not depend on it.
 */
export function clientIp(request: Request): string {
  const xff = request.headers.get("x-forwarded-for");
  const last = xff?.split(",").map((s) => s.trim()).filter(Boolean).at(-1);
  return (last ?? request.headers.get("x-real-ip") ?? "unknown").slice(0, 64);
}

export async function handleAuth(request: Request, run: (db: Queryable, body: unknown, ip: string) => Promise<AuthResult>): Promise<Response> {
  if (!sameOrigin(request)) return problem(403, "cross_origin", "this request must come from this site");
  const read = await readJsonBody(request, MAX_BODY);
  if (read instanceof Response) return read;
  const { body } = read;
  let result: AuthResult;
  try {
    result = await run(queries().pool as unknown as Queryable, body, clientIp(request));
  } catch (e) {
    if (e instanceof NoDatabaseError) return problem(503, "no_database", "the accounts database is not configured");
    if ((e as Error).name === "KekError") return problem(503, "custody_unavailable", "custodial accounts are not configured on this server");
    console.error("auth failed:", (e as Error).name);
    return problem(500, "internal", "something went wrong");
  }
  if ("error" in result) return json({ error: result.error }, { status: result.status });
  const issuedAt = Math.floor(Date.now() / 1000);
  const session = { address: result.address, chainId: chainId(), kind: "custodial" as const, issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS, version: result.version };
  const response = json({ address: session.address, kind: session.kind, expiresAt: session.expiresAt }, { status: result.status });
  response.headers.append("set-cookie", sessionCookie(session));
  return response;
}
