/**
 * The expiry keeper's candidates (scripts/keeper): accounts the mirror believes are past the
 * inactivity period at chain time `now`, oldest activity first. Only a hint: the mirror may lag,
 * so the keeper re-checks every candidate on chain before it spends gas. Walks
 * accounts_last_activity_idx, so a poll costs a short index range scan whatever the table size.
 */
import type { Queryable } from "../../scripts/lib/queryable.ts";

export interface ExpiryCandidate {
  /** Lowercase 0x-hex. */
  address: string;
  /** What the mirror holds; the chain decides. */
  balance: bigint;
  /** The mirror's last activity, unix seconds. */
  lastActivity: bigint;
}

/**
 * Holders with a balance, no activity for the programme's inactivity period (from the mirror's
 * program_settings; none while expiry is off or the programme is paused), that are not active
 * charities (their points never expire), and whose expiry at this last activity the keeper has not
 * already settled (confirmed or reverted in keeper_expiries).
 */
export async function expiryCandidates(db: Queryable, options: { now: bigint; limit: number }): Promise<ExpiryCandidate[]> {
  const { rows } = await db.query<{ address: string; balance: string; last_activity: string }>(
    `SELECT a.address, a.balance::text AS balance, extract(epoch FROM a.last_activity)::bigint::text AS last_activity
       FROM program_settings s
       JOIN accounts a ON a.last_activity <= to_timestamp($1::bigint - s.inactivity_period)
      WHERE s.id = 1 AND s.inactivity_period > 0 AND NOT s.paused
        AND a.balance > 0
        AND NOT EXISTS (SELECT 1 FROM charities c WHERE c.address = a.address AND c.active)
        AND NOT EXISTS (SELECT 1 FROM keeper_expiries k
                         WHERE k.account = a.address AND k.last_activity = extract(epoch FROM a.last_activity)::bigint
                           AND k.status IN ('confirmed', 'reverted'))
      ORDER BY a.last_activity, a.address
      LIMIT $2`,
    [options.now.toString(), Math.max(0, Math.floor(options.limit))],
  );
  return rows.map((r) => ({ address: r.address, balance: BigInt(r.balance), lastActivity: BigInt(r.last_activity) }));
}
