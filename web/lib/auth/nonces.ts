/**
 * SIWE nonces, kept on the server in Postgres (./nonce-store.ts): issued by GET /api/auth/nonce,
 * each usable once within NONCE_TTL_SECONDS, whichever web server issued it, and only by the
 * browser that asked for it: the nonce is also written into an httpOnly cookie of that browser
 * (the last few, so two tabs signing in at once both work), and a sign-in or a move-to-wallet proof
 * whose nonce that cookie does not hold is refused. A nonce fetched by someone else (a phishing
 * page's server, a fixation attempt) is then of no use in the member's browser, and the member's
 * nonce of no use anywhere else.
 */
import "server-only";
import { timingSafeEqual } from "node:crypto";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { queries } from "../data/db.ts";
import { consumeNonceIn, issueNonceIn, NONCE_TTL_SECONDS } from "./nonce-store.ts";
import { requestCookie, sessionCookieOptions } from "./session.ts";

const db = () => queries().pool as unknown as Queryable;

export const NONCE_COOKIE = "fid_siwe_nonces";
/** Nonces a browser may have outstanding at once (tabs signing in together). */
const KEPT = 4;

export function issueNonce(): Promise<string> {
  return issueNonceIn(db());
}

/** True once per issued, unexpired nonce. */
export function consumeNonce(nonce: string): Promise<boolean> {
  return consumeNonceIn(db(), nonce);
}

function cookieNonces(request: Request): string[] {
  return (requestCookie(request, NONCE_COOKIE) ?? "").split(".").filter((n) => /^[a-zA-Z0-9]{1,128}$/.test(n));
}

function nonceCookie(nonces: string[]): string {
  const opts = sessionCookieOptions(nonces.length ? NONCE_TTL_SECONDS : 0);
  return `${NONCE_COOKIE}=${nonces.join(".")}; Path=/api; Max-Age=${opts.maxAge}; HttpOnly; SameSite=Strict${opts.secure ? "; Secure" : ""}`;
}

/** The Set-Cookie that adds `nonce` to the browser's outstanding nonces. */
export function cookieWithNonce(request: Request, nonce: string): string {
  return nonceCookie([...cookieNonces(request).slice(-(KEPT - 1)), nonce]);
}

/** The Set-Cookie that forgets `nonce` (used or refused: it is spent either way). */
export function cookieWithoutNonce(request: Request, nonce: unknown): string {
  return nonceCookie(cookieNonces(request).filter((n) => n !== nonce));
}

/** Whether this browser asked for `nonce` (its cookie holds it). */
export function browserAskedFor(request: Request, nonce: unknown): boolean {
  if (typeof nonce !== "string" || !nonce) return false;
  const given = Buffer.from(nonce);
  return cookieNonces(request).some((n) => n.length === nonce.length && timingSafeEqual(Buffer.from(n), given));
}
