/**
 * The optional referral code of the sign-up form: the referrer's member id (users.id) or wallet
 * address. Recorded in the purchase API's `referrals` table (web/lib/purchases), which pays the
 * referrer a bonus on the new member's first purchase.
 */
import { getAddress, isAddress, type Address } from "viem";
import type { Queryable } from "./users.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The referrer's address, or null when the code names nobody: a live member's id, or an address
 * that is a member here (a users row) or has points history in the mirror.
 */
export async function resolveReferrer(db: Queryable, code: string): Promise<Address | null> {
  const c = code.trim();
  if (UUID.test(c)) {
    const { rows } = await db.query<{ address: string }>(`SELECT address FROM users WHERE id = $1 AND deleted_at IS NULL`, [c.toLowerCase()]);
    return rows[0] ? getAddress(rows[0].address) : null;
  }
  if (!isAddress(c, { strict: false })) return null;
  const a = c.toLowerCase();
  const { rowCount } = await db.query(
    `SELECT 1 FROM users WHERE address = $1 AND deleted_at IS NULL UNION ALL SELECT 1 FROM accounts WHERE address = $1 LIMIT 1`,
    [a],
  );
  return rowCount ? getAddress(a) : null;
}

export const isReferralCodeShape = (code: string) => UUID.test(code.trim()) || isAddress(code.trim(), { strict: false });

/** The new member's referrer, once (a member has one referrer: the first code wins). */
export async function recordReferral(db: Queryable, member: Address, referrer: Address): Promise<void> {
  await db.query(`INSERT INTO referrals (member, referrer) VALUES ($1, $2) ON CONFLICT (member) DO NOTHING`, [member.toLowerCase(), referrer.toLowerCase()]);
}
