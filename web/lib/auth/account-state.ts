/**
 * Whether a session's account may act right now, re-read from the users row at each request (a
 * cookie alone cannot know that its account was deleted, moved to self-custody or logged out
 * everywhere since it was issued). Independent of Next so it is tested against a real database.
 */
import { getAddress, type Address } from "viem";
import type { Queryable } from "../../../scripts/lib/queryable.ts";

export interface SessionLike {
  address: Address;
  kind: "wallet" | "custodial";
  version?: number;
}

export interface AccountRow {
  id: string;
  address: Address;
  email: string | null;
  selfCustody: boolean;
  sessionVersion: number;
  custodialAddress: Address | null;
  movedAt: Date | null;
  moveTarget: Address | null;
  deleted: boolean;
  hasKey: boolean;
  createdAt: Date;
  /** When the member proved their email (null: unverified, or no email). */
  emailVerifiedAt: Date | null;
  language: "fr" | "en";
}

export type AccountState =
  | { ok: true; user: AccountRow | null }
  | { ok: false; status: 401 | 409; code: "unknown_account" | "account_deleted" | "session_revoked" | "moved_to_self_custody" | "move_in_progress"; message: string; user: AccountRow | null };

type Row = {
  id: string;
  address: string;
  email: string | null;
  self_custody: boolean;
  session_version: number;
  custodial_address: string | null;
  moved_at: Date | null;
  move_target: string | null;
  deleted_at: Date | null;
  has_key: boolean;
  created_at: Date;
  email_verified_at: Date | null;
  language: string;
};

const COLUMNS = `id, address, email, self_custody, session_version, custodial_address, moved_at, move_target, deleted_at, key_ciphertext IS NOT NULL AS has_key, created_at, email_verified_at, language`;

function toAccount(r: Row): AccountRow {
  return {
    id: r.id,
    address: getAddress(r.address),
    email: r.email,
    selfCustody: r.self_custody,
    sessionVersion: r.session_version,
    custodialAddress: r.custodial_address ? getAddress(r.custodial_address) : null,
    movedAt: r.moved_at,
    moveTarget: r.move_target ? getAddress(r.move_target) : null,
    deleted: r.deleted_at !== null,
    hasKey: r.has_key,
    createdAt: r.created_at,
    emailVerifiedAt: r.email_verified_at,
    language: r.language === "en" ? "en" : "fr",
  };
}

/** The row whose current or former (custodial, before a move) address is `address`. */
export async function findAccount(db: Queryable, address: Address, options: { forUpdate?: boolean } = {}): Promise<AccountRow | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM users WHERE address = $1 OR custodial_address = $1 ORDER BY (address = $1) DESC LIMIT 1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [address.toLowerCase()],
  );
  return rows[0] ? toAccount(rows[0]) : null;
}

const refuse = (status: 401 | 409, code: Extract<AccountState, { ok: false }>["code"], message: string, user: AccountRow | null): AccountState => ({ ok: false, status, code, message, user });

/**
 * Custodial sessions need a live custodial row of the same session version; wallet sessions are
 * valid without a row (a member who never used the privacy settings has none), and with one, only
 * at its session version.
 */
export async function accountState(db: Queryable, session: SessionLike): Promise<AccountState> {
  const user = await findAccount(db, session.address);
  if (session.kind === "wallet") {
    // The wallet proves who signs in; a row only exists once the member used the privacy settings.
    // A cookie from before the row existed counts as version 1, the row's first.
    if (!user || user.address !== session.address || user.deleted) return { ok: true, user: null };
    if ((session.version ?? 1) !== user.sessionVersion) return refuse(401, "session_revoked", "this session was signed out: sign in again", user);
    return { ok: true, user };
  }
  if (!user) return refuse(401, "unknown_account", "no account for this session: log in again", null);
  if (user.deleted) return refuse(401, "account_deleted", "this account was deleted", user);
  if (user.selfCustody || user.custodialAddress === session.address) return refuse(409, "moved_to_self_custody", "this account moved to its own wallet: connect the wallet to sign in", user);
  if (session.version !== user.sessionVersion) return refuse(401, "session_revoked", "this session was signed out: log in again", user);
  if (user.moveTarget) return refuse(409, "move_in_progress", "this account is moving to its own wallet: finish the move first", user);
  return { ok: true, user };
}

/** Log out everywhere: every cookie issued before for this account stops working. */
export async function bumpSessionVersion(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ session_version: number }>(`UPDATE users SET session_version = session_version + 1 WHERE id = $1 RETURNING session_version`, [userId]);
  return rows[0]!.session_version;
}
