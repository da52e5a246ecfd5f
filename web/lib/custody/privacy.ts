/**
 * The member's privacy settings (page /member/privacy, routes app/api/member/{consents,export,
 * delete,logout-all}): consent choices with their history, the export of every personal datum as
 * JSON, and deletion. Self-custody members get a users row keyed by their address on first use.
 *
 * Deletion erases the email, the password hash, the consent history and the encrypted key (so the
 * custodial wallet's key is gone for good: crypto-shredding) and revokes every session; the row
 * keeps only the address (the public ledger keeps its history, keyed only by address).
 */
import type { Address } from "viem";
import { accountState, bumpSessionVersion, findAccount, type AccountRow, type SessionLike } from "../auth/account-state.ts";
import { consentHistory, currentConsents, parseConsents, recordConsents } from "./consents.ts";
import { fail, type Result } from "../edge/result.ts";
import { MAX_PASSWORD_LENGTH, verifyPassword } from "./password.ts";
import { ensureWalletUser } from "./users.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";

/** The session's row (created for a wallet member when `create`), or the refusal. */
async function memberRow(db: Queryable, session: SessionLike, create: boolean): Promise<{ user: AccountRow | null } | { refused: Result }> {
  const state = await accountState(db, session);
  if (!state.ok) return { refused: fail(state.status, state.code, state.message) };
  if (state.user || session.kind === "custodial" || !create) return { user: state.user };
  await ensureWalletUser(db, session.address);
  return { user: await findAccount(db, session.address) };
}

export async function getConsents(db: Queryable, session: SessionLike): Promise<Result> {
  const r = await memberRow(db, session, false);
  if ("refused" in r) return r.refused;
  const history = r.user ? await consentHistory(db, r.user.id) : [];
  return { status: 200, body: { consents: currentConsents(history), history } };
}

/** POST { marketing?, partners?, analytics? } (booleans). */
export async function setConsents(db: Queryable, session: SessionLike, body: unknown): Promise<Result> {
  const consents = parseConsents(body);
  if (!consents || Object.keys(consents).length === 0) return fail(400, "bad_consent", "send at least one of marketing, partners, analytics as a boolean");
  const r = await memberRow(db, session, true);
  if ("refused" in r) return r.refused;
  await recordConsents(db, r.user!.id, consents, "privacy");
  return getConsents(db, session);
}

/** Everything this service keeps about the member, and what the mirror shows of their addresses. */
export async function exportData(db: Queryable, session: SessionLike): Promise<Result> {
  const r = await memberRow(db, session, false);
  if ("refused" in r) return r.refused;
  const user = r.user;
  const addresses = [session.address, ...(user?.custodialAddress ? [user.custodialAddress] : [])].map((a) => a.toLowerCase());
  const history = user ? await consentHistory(db, user.id) : [];
  const q = <T extends Record<string, unknown>>(sql: string, params: unknown[]) => db.query<T>(sql, params).then((x) => x.rows);
  const [referredBy, referred, purchases, accounts, events, nfts] = await Promise.all([
    q(`SELECT referrer, created_at FROM referrals WHERE member = ANY($1)`, [addresses]),
    q(`SELECT member, created_at FROM referrals WHERE referrer = ANY($1) ORDER BY created_at`, [addresses]),
    q(
      `SELECT merchant, order_id, member, amount_cents::text, currency, status, points::text, breakdown, tx_hash, refunded_points::text, refund_tx_hash, created_at
       FROM purchases WHERE member = ANY($1) ORDER BY created_at`,
      [addresses],
    ),
    q(`SELECT address, balance::text, lifetime_earned::text, tier, last_activity FROM accounts WHERE address = ANY($1)`, [addresses]),
    q(
      `SELECT block_number::text, log_index, tx_hash, timestamp, kind, from_address, to_address, amount::text, merchant, ref, reward_id::text
       FROM point_events WHERE from_address = ANY($1) OR to_address = ANY($1) ORDER BY block_number, log_index`,
      [addresses],
    ),
    q(
      `SELECT t.token_id::text, t.reward_id::text, r.name AS reward, t.owner, t.consumed, t.minted_at FROM reward_tokens t LEFT JOIN rewards r ON r.id = t.reward_id
       WHERE t.owner = ANY($1) ORDER BY t.token_id`,
      [addresses],
    ),
  ]);
  return {
    status: 200,
    body: {
      exportedAt: new Date().toISOString(),
      profile: {
        memberId: user?.id ?? null,
        kind: session.kind,
        address: session.address,
        email: user?.email ?? null,
        emailVerifiedAt: user?.emailVerifiedAt ?? null,
        language: user?.language ?? null,
        createdAt: user?.createdAt ?? null,
        custodialAddress: user?.custodialAddress ?? null,
        movedToSelfCustodyAt: user?.movedAt ?? null,
      },
      consents: { current: currentConsents(history), history },
      referral: { referredBy: referredBy[0] ?? null, referredMembers: referred },
      purchases,
      onChain: { accounts, pointEvents: events, nfts },
    },
  };
}

export interface Holdings {
  points: bigint;
  nfts: number;
}

/**
 * POST { password?, confirmLoss? }: custodial accounts re-enter their password. An account that
 * still holds points or NFTs is refused (409 still_holds_assets, with what it holds) unless
 * `confirmLoss` is true: once the key is erased nobody can ever move them.
 */
export async function deleteAccount(db: Queryable, session: SessionLike, body: unknown, holdings: (addresses: Address[]) => Promise<Holdings>): Promise<Result> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const b = body as { password?: unknown; confirmLoss?: unknown };
  if (b.confirmLoss !== undefined && typeof b.confirmLoss !== "boolean") return fail(400, "bad_confirm", "confirmLoss must be a boolean");
  const r = await memberRow(db, session, false);
  if ("refused" in r) return r.refused;
  const user = r.user;
  if (session.kind === "custodial") {
    if (typeof b.password !== "string" || b.password.length === 0 || b.password.length > MAX_PASSWORD_LENGTH) return fail(400, "bad_password", "enter your password to delete the account");
    const { rows } = await db.query<{ password_hash: string | null }>(`SELECT password_hash FROM users WHERE id = $1`, [user!.id]);
    if (!rows[0]?.password_hash || !(await verifyPassword(rows[0].password_hash, b.password))) return fail(401, "bad_credentials", "wrong password");
    const held = await holdings([session.address]);
    if ((held.points > 0n || held.nfts > 0) && b.confirmLoss !== true) {
      return { status: 409, error: { code: "still_holds_assets", message: "this account still holds points or rewards: move them to your own wallet first, or confirm that they will be lost", points: held.points.toString(), nfts: held.nfts } as never };
    }
  }
  if (!user) return { status: 200, body: { deleted: true } };
  if (user.hasKey || user.email !== null || user.custodialAddress !== null) {
    // Keep the row and its address (never handed to anyone else); erase everything personal.
    await db.query(
      `WITH gone AS (DELETE FROM consent_events WHERE user_id = $1), links AS (DELETE FROM email_tokens WHERE user_id = $1)
       UPDATE users SET email = NULL, email_verified_at = NULL, password_hash = NULL, consent = '{}', key_ciphertext = NULL, key_iv = NULL, key_tag = NULL, key_version = NULL,
         move_target = NULL, deleted_at = now(), session_version = session_version + 1 WHERE id = $1`,
      [user.id],
    );
  } else {
    // A wallet member's row held only consents: nothing to keep.
    await db.query(`DELETE FROM users WHERE id = $1`, [user.id]);
  }
  return { status: 200, body: { deleted: true } };
}

/** POST: every session of this account (this one included) stops working. */
export async function logOutEverywhere(db: Queryable, session: SessionLike): Promise<Result> {
  const r = await memberRow(db, session, true);
  if ("refused" in r) return r.refused;
  await bumpSessionVersion(db, r.user!.id);
  return { status: 200, body: { ok: true } };
}
