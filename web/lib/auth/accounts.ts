/**
 * Email and password accounts (custodial members): the logic of POST /api/auth/signup and
 * /api/auth/login, independent of Next so it is tested against a real database. Answers are
 * { status, error: { code, message } } or { status, address }; a wrong email and a wrong password
 * get the same answer (and take the same time: an unknown email still runs argon2id).
 */
import { fail, type Failure } from "../edge/result.ts";
import type { Address } from "viem";
import type { Kek } from "../custody/kek.ts";
import { dummyHash, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from "../custody/password.ts";
import { createCustodialUser, EmailTakenError, findUserByEmail, normalizeEmail } from "../custody/users.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { parseConsents } from "../custody/consents.ts";
import { isReferralCodeShape, recordReferral, resolveReferrer } from "../custody/referrals.ts";
import { allowAttempt, resetAttempts, type Limit } from "./rate-limit.ts";
import { isLocale } from "../i18n/index.ts";
import { mailQueue } from "../mail/queue.ts";
import { queueVerification, transaction } from "./email-trust.ts";

/**
 * Log-in attempts are counted per email AND client address (a guesser is stopped without locking
 * the member out from their own address), per address, and per email across addresses (many
 * addresses guessing one password) — that last one only for browsers the account never logged in
 * from: the member's own browser (a device cookie of an earlier log-in, see ./custodial-route.ts)
 * is never locked out by others' guesses.
 */
export const LIMITS = {
  loginPerEmailAndIp: { max: 10, windowSeconds: 15 * 60 },
  loginPerEmail: { max: 50, windowSeconds: 15 * 60 },
  loginPerIp: { max: 100, windowSeconds: 15 * 60 },
  signupPerIp: { max: 20, windowSeconds: 60 * 60 },
} satisfies Record<string, Limit>;

/** Whether the browser asking has logged in to `email` before (its device cookie proves it). */
export type KnownDevice = (email: string) => boolean;

/** Who signed up or logged in (../auth/custodial-route.ts turns it into the session), or the refusal. */
export type AuthResult = { status: 200 | 201; address: Address; kind: "custodial"; version: number } | Failure;

const EMAIL = /^[^\s@"<>()\[\],;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function checkEmail(email: unknown): string | null {
  if (typeof email !== "string") return null;
  const e = normalizeEmail(email);
  return e.length <= 254 && EMAIL.test(e) && e.split("@")[0]!.length <= 64 ? e : null;
}

function checkPassword(password: unknown): AuthResult | null {
  if (typeof password !== "string") return fail(400, "bad_password", "password must be a string");
  if ([...password].length < MIN_PASSWORD_LENGTH) return fail(400, "weak_password", `password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) return fail(400, "bad_password", `password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  return null;
}

/**
 * Sign-up: { email, password, consent?: { marketing?, partners?, analytics? }, referral?, language? }
 * where referral is the referrer's member id or address (recorded in `referrals`, for the purchase
 * API's first-purchase referral bonus) and language ("fr" | "en", default fr) that of the member's
 * mail. The account, its referral, its verification link and that link's mail are one
 * transaction (./email-trust.ts): a member never exists without the mail that verifies them.
 */
export async function signUp(db: Queryable, kek: Kek, body: unknown, ip: string): Promise<AuthResult> {
  const b = (body ?? {}) as { email?: unknown; password?: unknown; consent?: unknown; referral?: unknown; language?: unknown };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const email = checkEmail(b.email);
  if (!email) return fail(400, "bad_email", "email must be a valid address");
  const bad = checkPassword(b.password);
  if (bad) return bad;
  const consent = parseConsents(b.consent);
  if (!consent) return fail(400, "bad_consent", "consent must be an object of marketing/partners/analytics booleans");
  if (b.language !== undefined && !isLocale(b.language)) return fail(400, "bad_language", "language must be fr or en");
  const language = isLocale(b.language) ? b.language : "fr";
  const code = b.referral === undefined || b.referral === null || b.referral === "" ? null : b.referral;
  if (code !== null && (typeof code !== "string" || code.length > 100 || !isReferralCodeShape(code))) return fail(400, "bad_referral", "the referral code is a member id or a wallet address");
  if (!(await allowAttempt(db, `signup:ip:${ip}`, LIMITS.signupPerIp))) return fail(429, "rate_limited", "too many sign-ups from this address: try again later");
  const referrer = code === null ? null : await resolveReferrer(db, code);
  if (code !== null && !referrer) return fail(422, "unknown_referrer", "no member has this referral code");
  const queue = await mailQueue(db);
  try {
    const user = await transaction(db, async (tx) => {
      const created = await createCustodialUser(tx, { email, password: b.password as string, consent, language }, kek);
      if (referrer) await recordReferral(tx, created.address, referrer);
      await queueVerification(tx, queue, { id: created.id, email });
      return created;
    });
    return { status: 201, address: user.address, kind: "custodial", version: user.sessionVersion };
  } catch (e) {
    if (e instanceof EmailTakenError) return fail(409, "email_taken", "an account with this email exists: log in instead");
    throw e;
  }
}

export async function logIn(db: Queryable, body: unknown, ip: string, knownDevice: KnownDevice = () => false): Promise<AuthResult> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const b = body as { email?: unknown; password?: unknown };
  const email = checkEmail(b.email);
  if (!email) return fail(400, "bad_email", "email must be a valid address");
  if (typeof b.password !== "string" || b.password.length === 0 || b.password.length > MAX_PASSWORD_LENGTH) return fail(400, "bad_password", "password is required");
  const perIp = await allowAttempt(db, `login:ip:${ip}`, LIMITS.loginPerIp);
  const perEmailAndIp = await allowAttempt(db, `login:email-ip:${email}:${ip}`, LIMITS.loginPerEmailAndIp);
  const perEmail = knownDevice(email) || (await allowAttempt(db, `login:email:${email}`, LIMITS.loginPerEmail));
  if (!perIp || !perEmailAndIp || !perEmail) return fail(429, "rate_limited", "too many attempts: try again in 15 minutes");
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), b.password);
  if (!user || !user.passwordHash || !ok) return fail(401, "bad_credentials", "wrong email or password");
  if (user.selfCustody) return fail(403, "self_custody", "this account moved to its own wallet: sign in with the wallet");
  await resetAttempts(db, `login:email-ip:${email}:${ip}`);
  return { status: 200, address: user.address, kind: "custodial", version: user.sessionVersion };
}
