/**
 * `accounts`: balance, lifetime earned, tier and last activity per address, derived from the history
 * and the account migrations. Every tier here is `tierSql` (contracts/spec), the contract's rule.
 */
import type pg from "pg";
import { tierFor, tierSql } from "../../../contracts/spec/index.ts";
import type { Migration, PreparedBatch } from "../projection.ts";

/**
 * Apply: account migrations move lifetime earned (the tier follows) and carry the last activity;
 * their balance moves with their Transfer in the history. Applied before the batch's account
 * deltas: lifetime earned is a sum, so the order does not matter for it, and the carried activity
 * must be the source's before the batch's later events (see projection.migrationsOf).
 */
export async function applyMigrations(c: pg.ClientBase, migrations: readonly Migration[], thresholds: readonly bigint[], block: string) {
  for (const m of migrations) {
    await c.query(
      `INSERT INTO accounts (address, balance, lifetime_earned, tier, last_activity, updated_block)
       VALUES ($1, 0, 0, 0, NULL, $3), ($2, 0, 0, 0, NULL, $3) ON CONFLICT (address) DO NOTHING`,
      [m.from, m.to, block],
    );
    await c.query(
      `UPDATE accounts t SET lifetime_earned = t.lifetime_earned + $3,
         last_activity = GREATEST(t.last_activity, f.last_activity, to_timestamp($4)), updated_block = $5
       FROM accounts f WHERE t.address = $2 AND f.address = $1`,
      [m.from, m.to, m.lifetimeEarned.toString(), m.fromLastInBatch, block],
    );
    await c.query(`UPDATE accounts SET lifetime_earned = lifetime_earned - $2 WHERE address = $1`, [m.from, m.lifetimeEarned.toString()]);
    await c.query(`UPDATE accounts SET tier = ${tierSql("lifetime_earned", "$2::numeric[]")} WHERE address = ANY($1::text[])`, [
      [m.from, m.to],
      thresholds.map(String),
    ]);
  }
}

/**
 * Apply: the batch's per-account changes in one UNNEST upsert. Tiers only move with lifetime
 * earned: new accounts get theirs from JS, existing ones are recomputed in SQL only when their
 * lifetime earned changed.
 */
export async function applyAccountDeltas(c: pg.ClientBase, prepared: PreparedBatch, thresholds: readonly bigint[], block: string) {
  const { accounts, accountArrays } = prepared;
  if (!accounts.size) return;
  await c.query(
    `INSERT INTO accounts (address, balance, lifetime_earned, tier, last_activity, updated_block)
     SELECT a, b, e, t, to_timestamp(ts), $7
     FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::int[], $5::bigint[]) AS u(a, b, e, t, ts)
     ON CONFLICT (address) DO UPDATE SET
       balance = accounts.balance + EXCLUDED.balance,
       lifetime_earned = accounts.lifetime_earned + EXCLUDED.lifetime_earned,
       tier = CASE WHEN EXCLUDED.lifetime_earned = 0 THEN accounts.tier ELSE
         ${tierSql("accounts.lifetime_earned + EXCLUDED.lifetime_earned", "$6::numeric[]")} END,
       last_activity = GREATEST(accounts.last_activity, EXCLUDED.last_activity),
       updated_block = EXCLUDED.updated_block`,
    [
      accountArrays.addresses,
      accountArrays.balances,
      accountArrays.earned,
      `{${[...accounts.values()].map((d) => tierFor(d.earned, thresholds)).join(",")}}`,
      accountArrays.last,
      thresholds.map(String),
      block,
    ],
  );
}

/** Apply and rollback: every account's tier under new thresholds (only the rows that change are written). */
export async function retierAll(c: pg.ClientBase, thresholds: readonly bigint[]) {
  await c.query(
    `UPDATE accounts SET tier = x.tier FROM (
       SELECT address, ${tierSql("lifetime_earned", "$1::numeric[]")} AS tier FROM accounts
     ) x WHERE accounts.address = x.address AND accounts.tier <> x.tier`,
    [thresholds.map(String)],
  );
}

/**
 * Rollback: recomputes balances, lifetime earned, last activity and tier of `addresses` from the
 * history and the account migrations (lifetime earned moved; the source's last activity carried,
 * one level: a migration into an account without points that had itself received a migration
 * without points carries only its own history's activity). Accounts left without any activity go.
 */
export async function recomputeAccounts(c: pg.ClientBase, addresses: string[]) {
  await c.query(
    `WITH a AS (SELECT unnest($1::text[]) AS address),
     s AS (
       SELECT a.address,
         COALESCE((SELECT sum(amount) FROM point_events WHERE to_address = a.address), 0)
           - COALESCE((SELECT sum(amount) FROM point_events WHERE from_address = a.address), 0) AS balance,
         COALESCE((SELECT sum(amount) FROM point_events WHERE to_address = a.address AND kind = 'issuance'), 0)
           - COALESCE((SELECT sum(amount) FROM point_events WHERE from_address = a.address AND kind = 'clawback'), 0)
           + COALESCE((SELECT sum((args->>'lifetimeEarned')::numeric) FROM program_events WHERE name = 'AccountMigrated' AND args->>'to' = a.address), 0)
           - COALESCE((SELECT sum((args->>'lifetimeEarned')::numeric) FROM program_events WHERE name = 'AccountMigrated' AND args->>'from' = a.address), 0) AS earned,
         GREATEST((SELECT max(timestamp) FROM point_events WHERE to_address = a.address AND amount > 0 AND from_address IS DISTINCT FROM to_address),
                  (SELECT max(timestamp) FROM point_events WHERE from_address = a.address AND amount > 0 AND from_address IS DISTINCT FROM to_address),
                  (SELECT max(p.timestamp) FROM program_events m JOIN point_events p
                     ON (p.from_address = m.args->>'from' OR p.to_address = m.args->>'from') AND p.amount > 0
                    AND p.from_address IS DISTINCT FROM p.to_address
                    AND (p.block_number, p.log_index) < (m.block_number, m.log_index)
                   WHERE m.name = 'AccountMigrated' AND m.args->>'to' = a.address)) AS last
       FROM a)
     UPDATE accounts SET balance = s.balance, lifetime_earned = s.earned, last_activity = s.last,
       tier = ${tierSql("s.earned", "(SELECT tier_thresholds FROM program_settings WHERE id = 1)")}
     FROM s WHERE accounts.address = s.address`,
    [addresses],
  );
  await c.query(`DELETE FROM accounts WHERE address = ANY($1::text[]) AND last_activity IS NULL`, [addresses]);
}
