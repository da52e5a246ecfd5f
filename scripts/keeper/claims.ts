/**
 * The keeper's durable claims: one keeper_expiries row per (account, on-chain last activity), the
 * fact an expiry reports. Inserting the row is the claim (its primary key lets exactly one keeper
 * win it); the signed transaction is stored before it is broadcast, so a keeper that crashes at any
 * instant leaves either nothing sent (the row is dropped and the fact found again) or one known
 * transaction that the next run re-broadcasts and follows to its receipt. Never a second one.
 */
import type { Hash, Hex } from "viem";
import type { Queryable } from "../lib/queryable.ts";

export type ClaimStatus = "claimed" | "sent" | "confirmed" | "reverted";

export interface Claim {
  account: string;
  lastActivity: bigint;
  amount: bigint;
  status: ClaimStatus;
  gasEstimate: bigint | null;
  signedTx: Hex | null;
  txHash: Hash | null;
  nonce: number | null;
}

/** Spent (or reserved) within the rolling window: claims that may have reached the chain. */
export interface Usage {
  count: number;
  gas: bigint;
}

/** Takes the fact; false when another keeper (or an earlier run) already holds it. */
export async function claim(db: Queryable, c: { account: string; lastActivity: bigint; amount: bigint; gasEstimate: bigint; claimedBy: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO keeper_expiries (account, last_activity, amount, gas_estimate, claimed_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (account, last_activity) DO NOTHING`,
    [c.account.toLowerCase(), c.lastActivity.toString(), c.amount.toString(), c.gasEstimate.toString(), c.claimedBy],
  );
  return rowCount === 1;
}

/** The signed transaction, written before it is broadcast. */
export async function recordSigned(db: Queryable, c: { account: string; lastActivity: bigint }, tx: { signedTx: Hex; txHash: Hash; nonce: number }) {
  await db.query(
    `UPDATE keeper_expiries SET status = 'sent', signed_tx = $3, tx_hash = $4, nonce = $5, updated_at = now()
      WHERE account = $1 AND last_activity = $2 AND status = 'claimed'`,
    [c.account, c.lastActivity.toString(), tx.signedTx, tx.txHash, tx.nonce],
  );
}

/** The receipt's verdict. */
export async function recordOutcome(
  db: Queryable, c: { account: string; lastActivity: bigint }, outcome: { status: "confirmed" | "reverted"; gasUsed: bigint; blockNumber: bigint; error?: string },
) {
  await db.query(
    `UPDATE keeper_expiries SET status = $3, gas_used = $4, block_number = $5, error = $6, updated_at = now()
      WHERE account = $1 AND last_activity = $2`,
    [c.account, c.lastActivity.toString(), outcome.status, outcome.gasUsed.toString(), outcome.blockNumber.toString(), outcome.error ?? null],
  );
}

/** Drops a claim whose transaction never reached the chain: the fact is free to be found again. */
export async function release(db: Queryable, c: { account: string; lastActivity: bigint }) {
  await db.query(`DELETE FROM keeper_expiries WHERE account = $1 AND last_activity = $2 AND status IN ('claimed', 'sent')`, [c.account, c.lastActivity.toString()]);
}

/** Claims a previous run left unfinished (a crash, a receipt that did not come in time). */
export async function unfinished(db: Queryable): Promise<Claim[]> {
  const { rows } = await db.query<Record<string, string | null>>(
    `SELECT account, last_activity::text, amount::text, status::text, gas_estimate::text, signed_tx, tx_hash, nonce::text
       FROM keeper_expiries WHERE status IN ('claimed', 'sent') ORDER BY nonce NULLS FIRST, claimed_at`,
  );
  return rows.map((r) => ({
    account: r.account!, lastActivity: BigInt(r.last_activity!), amount: BigInt(r.amount!), status: r.status as ClaimStatus,
    gasEstimate: r.gas_estimate === null ? null : BigInt(r.gas_estimate), signedTx: r.signed_tx as Hex | null, txHash: r.tx_hash as Hash | null,
    nonce: r.nonce === null ? null : Number(r.nonce),
  }));
}

/** Expiries and gas of the last 24 hours (the daily budget): a receipt's gasUsed, else the reserved estimate. */
export async function usageSince(db: Queryable, hours = 24): Promise<Usage> {
  const { rows } = await db.query<{ count: number; gas: string }>(
    `SELECT count(*)::int AS count, COALESCE(sum(COALESCE(gas_used, gas_estimate, 0)), 0)::text AS gas
       FROM keeper_expiries WHERE claimed_at > now() - make_interval(hours => $1)`,
    [hours],
  );
  return { count: rows[0]!.count, gas: BigInt(rows[0]!.gas) };
}
