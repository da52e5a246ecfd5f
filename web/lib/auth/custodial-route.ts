/**
 * The HTTP side of email/password sign-up and log-in (routes app/api/auth/signup and login):
 * same-origin only, a small JSON body, the client's address for the rate limits (../client-ip.ts),
 * and the session cookie (kind "custodial"; httpOnly, SameSite=Lax, Secure in production) plus a
 * device cookie that spares this browser the per-account limit on later log-ins.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Queryable } from "../custody/users.ts";
import { clientIp } from "../client-ip.ts";
import { chainId, sessionSecret } from "../config.ts";
import { queries, NoDatabaseError } from "../data/db.ts";
import { json, problem } from "../json.ts";
import { readJsonBody } from "../request-body.ts";
import { checkEmail, type AuthResult, type KnownDevice } from "./accounts.ts";
import { requestCookie, sameOrigin, SESSION_TTL_SECONDS, sessionCookie, sessionCookieOptions } from "./session.ts";

const MAX_BODY = 8 * 1024;

export const DEVICE_COOKIE = "fid_device";
const DEVICE_MAX_AGE = 365 * 86_400;

/** The device tag of `email`: an HMAC under the session secret, so nobody can make one for an account. */
function deviceTag(email: string): string {
  return createHmac("sha256", sessionSecret()).update(`device:${email}`).digest().subarray(0, 16).toString("base64url");
}

/** Whether this browser logged in to `email` before (its device cookie carries the account's tag). */
function knownDevice(request: Request): KnownDevice {
  const presented = Buffer.from(requestCookie(request, DEVICE_COOKIE) ?? "");
  return (email) => {
    const tag = Buffer.from(deviceTag(email));
    return presented.length === tag.length && timingSafeEqual(presented, tag);
  };
}

export async function handleAuth(request: Request, run: (db: Queryable, body: unknown, ip: string, knownDevice: KnownDevice) => Promise<AuthResult>): Promise<Response> {
  if (!sameOrigin(request)) return problem(403, "cross_origin", "this request must come from this site");
  const read = await readJsonBody(request, MAX_BODY);
  if (read instanceof Response) return read;
  const { body } = read;
  let result: AuthResult;
  try {
    result = await run(queries().pool as unknown as Queryable, body, clientIp(request), knownDevice(request));
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
  // This browser now knows the account: later guesses by others cannot lock it out (./accounts.ts).
  const email = checkEmail((body as { email?: unknown }).email);
  if (email) {
    const opts = sessionCookieOptions(DEVICE_MAX_AGE);
    response.headers.append("set-cookie", `${DEVICE_COOKIE}=${deviceTag(email)}; Path=/api/auth; Max-Age=${opts.maxAge}; HttpOnly; SameSite=Strict${opts.secure ? "; Secure" : ""}`);
  }
  return response;
}
