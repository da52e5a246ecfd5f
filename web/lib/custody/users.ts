/**
 * Custodial members in Postgres (the `users` table of indexer/database/schema/app.prisma), through any
 * pg-style client (`pg.Pool`, `pg.Client`). Rows with the key are never returned to callers whole:
 * `findUserByEmail` gives the login fields, `signingAccount` decrypts for a server-side signature.
 */
import type { Address } from "viem";
import { getAddress } from "viem";
import type { Kek } from "./kek.ts";
import { createCustodialKey, decryptAccount } from "./keys.ts";
import { hashPassword } from "./password.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";

// Routes written against this module take their SQL type from it as well.
export type { Queryable } from "../../../scripts/lib/queryable.ts";

export interface UserLogin {
  id: string;
  address: Address;
  passwordHash: string | null;
  selfCustody: boolean;
  sessionVersion: number;
}

export class EmailTakenError extends Error {
  override name = "EmailTakenError";
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Creates the member and their wallet, with the consent choices of the sign-up form recorded as
 * events (one statement: a member never exists without the history of what they agreed to).
 * EmailTakenError when the email is already registered. */
export async function createCustodialUser(
  db: Queryable,
  input: { email: string; password: string; consent?: Record<string, boolean>; language?: "fr" | "en" },
  kek: Kek,
): Promise<{ id: string; address: Address; sessionVersion: number }> {
  const passwordHash = await hashPassword(input.password);
  const { address, encrypted } = createCustodialKey(kek);
  const consent = JSON.stringify(input.consent ?? {});
  try {
    const { rows } = await db.query<{ id: string; session_version: number }>(
      `WITH u AS (
         INSERT INTO users (email, password_hash, address, key_ciphertext, key_iv, key_tag, key_version, consent, language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, session_version),
       c AS (INSERT INTO consent_events (user_id, choice, granted, source) SELECT u.id, e.key, e.value::boolean, 'signup' FROM u, jsonb_each_text($8::jsonb) e)
       SELECT id, session_version FROM u`,
      [normalizeEmail(input.email), passwordHash, address.toLowerCase(), encrypted.ciphertext, encrypted.iv, encrypted.tag, encrypted.version, consent, input.language ?? "fr"],
    );
    return { id: rows[0]!.id, address, sessionVersion: rows[0]!.session_version };
  } catch (e) {
    if ((e as { code?: string; constraint?: string }).code === "23505" && (e as { constraint?: string }).constraint === "users_email_key") throw new EmailTakenError("this email is already registered");
    throw e;
  }
}

/** The row of a self-custody (wallet) member, created on first use (privacy settings): keyed by
 * address only, no email, no key. */
export async function ensureWalletUser(db: Queryable, address: Address): Promise<{ id: string; sessionVersion: number }> {
  const { rows } = await db.query<{ id: string; session_version: number }>(
    `WITH ins AS (INSERT INTO users (address, self_custody) VALUES ($1, true) ON CONFLICT (address) DO NOTHING RETURNING id, session_version)
     SELECT id, session_version FROM ins UNION ALL SELECT id, session_version FROM users WHERE address = $1 LIMIT 1`,
    [address.toLowerCase()],
  );
  return { id: rows[0]!.id, sessionVersion: rows[0]!.session_version };
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserLogin | null> {
  const { rows } = await db.query<{ id: string; address: string; password_hash: string | null; self_custody: boolean; session_version: number }>(
    `SELECT id, address, password_hash, self_custody, session_version FROM users WHERE email = $1 AND deleted_at IS NULL`,
    [normalizeEmail(email)],
  );
  const r = rows[0];
  return r ? { id: r.id, address: getAddress(r.address), passwordHash: r.password_hash, selfCustody: r.self_custody, sessionVersion: r.session_version } : null;
}

/** True when `address` belongs to a live custodial member (checked at each custodial request). */
export async function isCustodialAddress(db: Queryable, address: Address): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM users WHERE address = $1 AND deleted_at IS NULL AND NOT self_custody AND key_ciphertext IS NOT NULL`, [address.toLowerCase()]);
  return (rowCount ?? 0) > 0;
}

/** The member's signing account (server side only), or null for no such custodial member. */
export async function signingAccount(db: Queryable, address: Address, kek: Kek) {
  const { rows } = await db.query<{ key_ciphertext: Buffer; key_iv: Buffer; key_tag: Buffer; key_version: number }>(
    `SELECT key_ciphertext, key_iv, key_tag, key_version FROM users WHERE address = $1 AND deleted_at IS NULL AND NOT self_custody AND key_ciphertext IS NOT NULL`,
    [address.toLowerCase()],
  );
  const r = rows[0];
  if (!r) return null;
  return decryptAccount({ ciphertext: r.key_ciphertext, iv: r.key_iv, tag: r.key_tag, version: r.key_version }, address, kek);
}
