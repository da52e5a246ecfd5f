/**
 * Email trust (issue 15): the verification of a custodial member's address and the password
 * reset by email, independent of Next so it is tested against a real database. Each emailed link
 * is a row of email_tokens (./email-links.ts) and a mail in the queue (../mail/queue.ts), both
 * written in the transaction of the fact they report.
 *
 * A reset changes only the password hash: the custodial key is encrypted under the server's
 * key-encryption key, not under the password (../custody/keys.ts), so the wallet and its points
 * stay. It revokes every session (the session version, as "log out everywhere" does), and, the
 * link having proved the address, verifies it if it was not.
 */
import type { PooledConnection, PoolLike, Queryable } from "../../../scripts/lib/queryable.ts";
import { fail, ok, type Failure, type Success } from "../edge/result.ts";
import { enqueueMail, factIds, mailQueue } from "../mail/queue.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hashPassword } from "../custody/password.ts";
import { normalizeEmail } from "../custody/users.ts";
import { bumpSessionVersion } from "./account-state.ts";
import { createLink, useLink } from "./email-links.ts";
import { allowAttempt, type Limit } from "./rate-limit.ts";

export const TRUST_LIMITS = {
  resetPerIp: { max: 20, windowSeconds: 60 * 60 },
  resetPerEmail: { max: 5, windowSeconds: 60 * 60 },
  resendPerAccount: { max: 5, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

const isPool = (db: Queryable): db is PoolLike => typeof (db as Partial<PoolLike>).connect === "function" && "totalCount" in db;

/** Runs `work` in a transaction: on a pool (pg.Pool), on one lent connection; on a connection, on it. */
export async function transaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const lent: PooledConnection | null = isPool(db) ? await db.connect() : null;
  const tx: Queryable = lent ?? db;
  let broken = false;
  try {
    await tx.query("BEGIN");
    const result = await work(tx);
    await tx.query("COMMIT");
    return result;
  } catch (e) {
    broken = true;
    await tx.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    lent?.release(broken);
  }
}

/** In `tx`: a verification link for the account's address and its mail, queued. */
export async function queueVerification(tx: Queryable, queue: Awaited<ReturnType<typeof mailQueue>>, user: { id: string; email: string }): Promise<void> {
  const link = await createLink(tx, user.id, "verify", user.email);
  await enqueueMail(tx, queue, { factId: factIds.verify(user.id, link.id), kind: "verify-email", userId: user.id, tokenId: link.id });
}

type Token = { token?: unknown };

/** POST /api/auth/email/verify { token }: the account's address is verified, once per link. */
export async function verifyEmail(db: Queryable, body: unknown): Promise<Success<{ verified: true; email: string }> | Failure> {
  const token = (body as Token | null)?.token;
  if (typeof token !== "string") return fail(400, "invalid_token", "token is required: open the link of the mail");
  return transaction(db, async (tx) => {
    const used = await useLink(tx, "verify", token);
    if ("code" in used) return fail(used.status, used.code, used.message);
    await tx.query(`UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1`, [used.userId]);
    return ok({ verified: true as const, email: used.email });
  });
}

/** POST /api/auth/email/resend (signed-in custodial member): a new verification link. */
export async function resendVerification(db: Queryable, userId: string): Promise<Success<{ sent: boolean }> | Failure> {
  const { rows } = await db.query<{ email: string | null; verified: boolean; custodial: boolean }>(
    `SELECT email, email_verified_at IS NOT NULL AS verified, NOT self_custody AND deleted_at IS NULL AS custodial FROM users WHERE id = $1`,
    [userId],
  );
  const user = rows[0];
  if (!user?.email || !user.custodial) return fail(409, "no_email", "this account has no email address to verify");
  if (user.verified) return fail(409, "already_verified", "this address is already verified");
  if (!(await allowAttempt(db, `verify-resend:${userId}`, TRUST_LIMITS.resendPerAccount))) return fail(429, "rate_limited", "too many links asked for: try again later");
  const queue = await mailQueue(db);
  await transaction(db, (tx) => queueVerification(tx, queue, { id: userId, email: user.email! }));
  return ok({ sent: true }, 202);
}

const RESET_ANSWER = { requested: true, message: "if an account has this email, a reset link is on its way" } as const;

/**
 * POST /api/auth/password/forgot { email }: always the same 202 answer for a well-formed email,
 * whether or not an account has it (nobody learns who is a member). Only a live custodial account
 * with a password gets a mail.
 */
export async function requestPasswordReset(db: Queryable, body: unknown, ip: string, checkEmail: (e: unknown) => string | null): Promise<Success<typeof RESET_ANSWER> | Failure> {
  const email = checkEmail((body as { email?: unknown } | null)?.email);
  if (!email) return fail(400, "bad_email", "email must be a valid address");
  if (!(await allowAttempt(db, `reset:ip:${ip}`, TRUST_LIMITS.resetPerIp)) || !(await allowAttempt(db, `reset:email:${email}`, TRUST_LIMITS.resetPerEmail))) {
    return fail(429, "rate_limited", "too many reset requests: try again later");
  }
  const queue = await mailQueue(db);
  await transaction(db, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL AND NOT self_custody AND password_hash IS NOT NULL FOR UPDATE`,
      [normalizeEmail(email)],
    );
    if (!rows[0]) return;
    const link = await createLink(tx, rows[0].id, "reset", normalizeEmail(email));
    await enqueueMail(tx, queue, { factId: factIds.reset(rows[0].id, link.id), kind: "password-reset", userId: rows[0].id, tokenId: link.id });
  });
  return ok(RESET_ANSWER, 202);
}

/** POST /api/auth/password/reset { token, password }: the new password; every session revoked. */
export async function resetPassword(db: Queryable, body: unknown): Promise<Success<{ reset: true }> | Failure> {
  const b = (body ?? {}) as { token?: unknown; password?: unknown };
  if (typeof b.token !== "string") return fail(400, "invalid_token", "token is required: open the link of the mail");
  if (typeof b.password !== "string") return fail(400, "bad_password", "password must be a string");
  if ([...b.password].length < MIN_PASSWORD_LENGTH) return fail(400, "weak_password", `password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (b.password.length > MAX_PASSWORD_LENGTH) return fail(400, "bad_password", `password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  const hash = await hashPassword(b.password);
  return transaction(db, async (tx) => {
    const used = await useLink(tx, "reset", b.token);
    if ("code" in used) return fail(used.status, used.code, used.message);
    const { rowCount } = await tx.query(
      `UPDATE users SET password_hash = $2, email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1 AND NOT self_custody AND deleted_at IS NULL`,
      [used.userId, hash],
    );
    if (!rowCount) return fail(410, "token_expired", "this account can no longer reset its password here");
    // Every other reset link of the account dies with this one; every session too.
    await tx.query(`UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'reset' AND used_at IS NULL`, [used.userId]);
    await bumpSessionVersion(tx, used.userId);
    return ok({ reset: true as const });
  });
}
