/**
 * The single-use links the programme emails (address verification, password reset). A link's
 * token is `<id>.<mac>`: `id` names its email_tokens row, `mac` is an HMAC of the purpose and the
 * id under a key derived from SESSION_SECRET, so a forged or altered token is refused before any
 * database read, and the mail worker recomputes the token from the id alone: no token is ever
 * stored (the row keeps only its SHA-256) nor put in a queued job. A token works once (used_at),
 * until its expiry, and only while the account still has the address it was sent to.
 *
 * Rotating SESSION_SECRET voids the links not yet used (members ask for a new one).
 * configuredSessionSecret throws in production when SESSION_SECRET is unset.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { configuredSessionSecret } from "../env.ts";

export type LinkPurpose = "verify" | "reset";

export const LINK_TTL_SECONDS: Record<LinkPurpose, number> = { verify: 48 * 3600, reset: 3600 };

type Env = Record<string, string | undefined>;

/**
 * The links' key, derived from SESSION_SECRET, which the web app and the mail worker share
 * (`npm run dev` gives both the same). Production requires it (../env.ts); in development without
 * it, a fixed development key, so that a web app and a worker started by hand still agree (the
 * per-process random session key of development would not).
 */
function linkKey(env: Env = process.env): Buffer {
  const secret = configuredSessionSecret(env) ?? Buffer.from("development only: set SESSION_SECRET");
  return createHmac("sha256", secret).update("email-links/v1").digest();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(purpose: LinkPurpose, id: string, env?: Env): Buffer {
  return createHmac("sha256", linkKey(env)).update(`${purpose}:${id}`).digest();
}

/** The token of link `id` (the worker rebuilds it to write the mail). */
export function linkToken(purpose: LinkPurpose, id: string, env?: Env): string {
  return `${id}.${mac(purpose, id, env).toString("base64url")}`;
}

export const tokenHash = (token: string) => createHash("sha256").update(token).digest();

/** The id of a well-formed, authentic token of `purpose`; null for anything else. */
export function checkLinkToken(purpose: LinkPurpose, token: unknown, env?: Env): string | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const [id, given, ...rest] = token.split(".");
  if (rest.length || !id || !given || !UUID.test(id)) return null;
  const expected = mac(purpose, id, env);
  const presented = Buffer.from(given, "base64url");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  return id;
}

/** A new link row for the account's current address (inside the caller's transaction); its id. */
export async function createLink(db: Queryable, userId: string, purpose: LinkPurpose, email: string, now = new Date()): Promise<{ id: string; expiresAt: Date }> {
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + LINK_TTL_SECONDS[purpose] * 1000);
  await db.query(`INSERT INTO email_tokens (id, user_id, purpose, email, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    id,
    userId,
    purpose,
    email,
    tokenHash(linkToken(purpose, id)),
    expiresAt,
  ]);
  return { id, expiresAt };
}

export type LinkRefusal = { status: 400 | 409 | 410; code: "invalid_token" | "token_used" | "token_expired"; message: string };

export interface UsedLink {
  id: string;
  userId: string;
  email: string;
}

/**
 * Uses the link (inside the caller's transaction: the row stays locked until it ends): the account
 * it proves, or why not. Forged, unknown or altered: 400 invalid_token; already used: 409
 * token_used; past its expiry, or the account no longer has that address: 410 token_expired.
 */
export async function useLink(db: Queryable, purpose: LinkPurpose, token: unknown): Promise<UsedLink | LinkRefusal> {
  const invalid: LinkRefusal = { status: 400, code: "invalid_token", message: "this link is not valid: ask for a new one" };
  const id = checkLinkToken(purpose, token);
  if (!id) return invalid;
  const { rows } = await db.query<{ user_id: string; email: string; token_hash: Buffer; expired: boolean; used: boolean; current: string | null; deleted: boolean }>(
    `SELECT t.user_id, t.email, t.token_hash, t.expires_at <= now() AS expired, t.used_at IS NOT NULL AS used, u.email AS current, u.deleted_at IS NOT NULL AS deleted
       FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.purpose = $2 FOR UPDATE OF t`,
    [id, purpose],
  );
  const row = rows[0];
  if (!row) return invalid;
  const hash = tokenHash(token as string);
  if (row.token_hash.length !== hash.length || !timingSafeEqual(row.token_hash, hash)) return invalid;
  if (row.used) return { status: 409, code: "token_used", message: "this link was already used" };
  if (row.expired || row.deleted || row.current !== row.email) return { status: 410, code: "token_expired", message: "this link has expired: ask for a new one" };
  await db.query(`UPDATE email_tokens SET used_at = now() WHERE id = $1`, [id]);
  return { id, userId: row.user_id, email: row.email };
}
