/**
 * The routes of email/password sign-up and log-in (app/api/auth/signup and login): same-origin
 * only (../edge/route.ts), and on success the session cookie (kind "custodial"; httpOnly,
 * SameSite=Lax, Secure in production) plus a device cookie that spares this browser the
 * per-account limit on later log-ins.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { chainId, sessionSecret } from "../config.ts";
import { appDb } from "../data/db.ts";
import { json, respond } from "../edge/response.ts";
import { route } from "../edge/route.ts";
import { checkEmail, type AuthResult, type KnownDevice } from "./accounts.ts";
import { requestCookie, SESSION_TTL_SECONDS, sessionCookie, sessionCookieOptions } from "./session.ts";

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

/** A sign-up or log-in route: `run` decides; a success becomes the custodial session and the device cookie. */
export const custodialSignIn = (run: (db: Queryable, body: unknown, ip: string, knownDevice: KnownDevice) => Promise<AuthResult>) =>
  route({
    auth: "same-origin",
    body: true,
    async handle({ request, body, ip }) {
      const result = await run(appDb(), body, ip, knownDevice(request));
      if ("error" in result) return respond(result);
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
    },
  });
