/**
 * Server sessions: an HMAC-signed cookie (httpOnly, SameSite=Lax, Secure in production) naming the
 * signed-in address. Self-custody members get one through Sign-In with Ethereum, custodial (email)
 * members the same session with kind "custodial", so member pages serve both.
 * A session says WHO is signed in, never what they may do: roles are read on chain at each request.
 */
import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { cache } from "react";
import { getAddress, isAddress, type Address } from "viem";
import { appOrigin, chainId, sessionSecret } from "../config.ts";
import { appDb } from "../data/db.ts";
import { accountState } from "./account-state.ts";

export const SESSION_COOKIE = "fid_session";
export const SESSION_TTL_SECONDS = 8 * 3600;

export type WalletKind = "wallet" | "custodial";

export interface Session {
  address: Address;
  chainId: number;
  kind: WalletKind;
  issuedAt: number;
  expiresAt: number;
  /** users.session_version when the cookie was issued (custodial sessions, and wallet sessions of a
   * member who has a users row): a bumped version revokes the cookie (./account-state.ts). */
  version?: number;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");
const sign = (payload: string) => createHmac("sha256", sessionSecret()).update(payload).digest();

export function encodeSession(session: Session): string {
  const payload = b64(JSON.stringify({ a: session.address, c: session.chainId, k: session.kind, i: session.issuedAt, e: session.expiresAt, ...(session.version !== undefined ? { v: session.version } : {}) }));
  return `${payload}.${b64(sign(payload))}`;
}

export function decodeSession(value: string | undefined, now = Date.now()): Session | null {
  if (!value) return null;
  const parts = value.split(".");
  const [payload, mac] = parts;
  if (parts.length !== 2 || !payload || !mac) return null;
  const expected = sign(payload);
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const raw = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { a: string; c: number; k: WalletKind; i: number; e: number; v?: number };
    if (!isAddress(raw.a) || raw.c !== chainId() || raw.e * 1000 < now) return null;
    if (raw.k !== "wallet" && raw.k !== "custodial") return null;
    if (raw.v !== undefined && !Number.isSafeInteger(raw.v)) return null;
    return { address: getAddress(raw.a), chainId: raw.c, kind: raw.k, issuedAt: raw.i, expiresAt: raw.e, ...(raw.v !== undefined ? { version: raw.v } : {}) };
  } catch {
    return null;
  }
}

/** `session`, if its account is still live (a revoked, deleted or moved custodial account signs
 * nobody in: ./account-state.ts). Fails closed when the accounts database is down. */
async function liveSession(session: Session | null): Promise<Session | null> {
  if (!session) return null;
  try {
    const state = await accountState(appDb(), session);
    return state.ok || state.code === "move_in_progress" ? session : null;
  } catch {
    return null;
  }
}

/** The page's signed-in session (its cookie), if live. Memoized per server render (the header and
 * the page ask once between them). */
export const getSession = cache(async (): Promise<Session | null> => liveSession(decodeSession((await cookies()).get(SESSION_COOKIE)?.value)));

/** A route's signed-in session, if live: what a page would show for the same cookie. */
export const liveSessionOf = (request: Request): Promise<Session | null> => liveSession(sessionOf(request));

/** The Set-Cookie value of a new session (httpOnly, SameSite=Lax, Secure in production). */
export function sessionCookie(session: Session): string {
  const opts = sessionCookieOptions(session.expiresAt - Math.floor(Date.now() / 1000));
  return `${SESSION_COOKIE}=${encodeSession(session)}; Path=${opts.path}; Max-Age=${opts.maxAge}; HttpOnly; SameSite=Lax${opts.secure ? "; Secure" : ""}`;
}

export const CLEAR_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;

export function sessionCookieOptions(maxAge: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: process.env.NODE_ENV === "production" && process.env.INSECURE_COOKIES !== "1",
    path: "/",
    maxAge,
  };
}

/** The signed-in session of a route's request (its cookie), if any; pages use getSession. */
export function sessionOf(request: Request): Session | null {
  return decodeSession(requestCookie(request, SESSION_COOKIE));
}

/** The value of cookie `name` in the request's Cookie header, if any. */
export function requestCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const c = part.trim();
    if (c.startsWith(`${name}=`)) return c.slice(name.length + 1);
  }
  return undefined;
}

/**
 * State-changing routes accept only requests whose Origin is this site's configured origin
 * (APP_URL): with SameSite=Lax cookies, against CSRF. Never compared with Host or X-Forwarded-Host,
 * which the sender chooses.
 */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).origin === appOrigin();
  } catch {
    return false;
  }
}

/** The site's host (from APP_URL): what SIWE messages and the move-to-wallet proof must name. */
export function siteDomain(): string {
  return new URL(appOrigin()).host;
}
