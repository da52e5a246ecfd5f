/**
 * The programme's configuration as the events left it: `merchants` (with their remaining
 * allowance), `charities`, `program_settings` (tier thresholds, inactivity period, pause) and the
 * reward catalog (`rewards`). Applied event by event; rolled back by replaying what remains.
 */
import type pg from "pg";
import type { DomainEvent } from "../../decode/index.ts";
import type { AllowanceChange } from "../projection.ts";

/** Apply: each configuration event's statements, in chain order; returns the thresholds after them. */
export async function applyConfiguration(c: pg.ClientBase, events: readonly DomainEvent[], tsOf: (n: bigint) => string, thresholds: bigint[]) {
  for (const e of events) {
    if (e.contract === "points" && e.event.eventName === "TierThresholdsSet") thresholds = [...(e.event.args.thresholds as readonly bigint[])];
    for (const q of configStatements(e, tsOf(e.blockNumber))) await c.query(q.text, q.values);
  }
  return thresholds;
}

/** Apply: merchants' remaining allowance: the last value set in the batch minus what they issued after it. */
export async function applyAllowances(c: pg.ClientBase, allowances: Map<string, AllowanceChange>) {
  if (!allowances.size) return;
  const ms = [...allowances.keys()];
  await c.query(
    `UPDATE merchants m SET allowance = COALESCE(u.s, m.allowance) - u.d
     FROM unnest($1::text[], $2::numeric[], $3::numeric[]) AS u(a, s, d) WHERE m.address = u.a`,
    [ms, ms.map((m) => allowances.get(m)!.set?.toString() ?? null), ms.map((m) => allowances.get(m)!.spent.toString())],
  );
}

/** Rollback: the settings from the remaining operator events; returns the tier thresholds. */
export async function rebuildSettings(c: pg.ClientBase): Promise<bigint[]> {
  const last = async (names: string[]) =>
    (await c.query(`SELECT name, args FROM program_events WHERE name = ANY($1) ORDER BY block_number DESC, log_index DESC LIMIT 1`, [names])).rows[0];
  const tiers = await last(["TierThresholdsSet"]);
  const period = await last(["InactivityPeriodSet"]);
  const pause = await last(["Paused", "Unpaused"]);
  const thresholds: string[] = tiers ? tiers.args.thresholds : [];
  await c.query(
    `UPDATE program_settings SET tier_thresholds = $1::numeric[], inactivity_period = $2, paused = $3 WHERE id = 1`,
    [thresholds, period ? period.args.newPeriod : "0", pause?.name === "Paused"],
  );
  return thresholds.map(BigInt);
}

/** Rollback: merchants, charities and the reward catalog replayed from the remaining events. */
export async function rebuildCatalogAndMerchants(c: pg.ClientBase) {
  await c.query(`DELETE FROM merchants`);
  await c.query(`DELETE FROM charities`);
  await c.query(`DELETE FROM reward_tokens WHERE reward_id NOT IN (SELECT (args->>'rewardId')::bigint FROM program_events WHERE name = 'RewardCreated')`);
  await c.query(`DELETE FROM rewards WHERE id NOT IN (SELECT (args->>'rewardId')::bigint FROM program_events WHERE name = 'RewardCreated')`);
  const { rows } = await c.query(
    `SELECT name, contract, args, timestamp FROM program_events
     WHERE name IN ('MerchantOnboarded','MerchantOffboarded','IssuanceAllowanceSet','CharityRegistered','CharityRemoved','RewardCreated','RewardPauseSet')
     ORDER BY block_number, log_index`,
  );
  for (const r of rows) {
    // Stored args are JSON (amounts as strings): the statements bind them as text all the same.
    const e = { contract: r.contract === "LoyaltyPoints" ? "points" : "rewards", event: { eventName: r.name, args: r.args } } as unknown as DomainEvent;
    for (const q of configStatements(e, (r.timestamp as Date).toISOString())) await c.query(q.text, q.values);
  }
  await c.query(`UPDATE rewards SET minted = (SELECT count(*) FROM reward_tokens t WHERE t.reward_id = rewards.id)`);
  await c.query(
    `UPDATE reward_tokens SET consumed = EXISTS (SELECT 1 FROM program_events WHERE name = 'VoucherConsumed' AND (args->>'tokenId')::numeric = reward_tokens.token_id)`,
  );
  await rebuildAllowances(c);
}

/** Rollback: each merchant's allowance: the last value set, minus what it issued after that. */
export async function rebuildAllowances(c: pg.ClientBase) {
  await c.query(
    `UPDATE merchants m SET allowance = s.v - COALESCE((
       SELECT sum(p.amount) FROM point_events p WHERE p.kind = 'issuance' AND p.merchant = m.address
         AND (p.block_number, p.log_index) > (s.block_number, s.log_index)), 0)
     FROM (SELECT DISTINCT ON (args->>'merchant') args->>'merchant' AS merchant, (args->>'newAllowance')::numeric AS v, block_number, log_index
           FROM program_events WHERE name = 'IssuanceAllowanceSet' ORDER BY args->>'merchant', block_number DESC, log_index DESC) s
     WHERE m.address = s.merchant`,
  );
}

/** The configuration statements of one event (merchants, charities, settings, catalog). */
function configStatements(e: DomainEvent, ts: string): { text: string; values: unknown[] }[] {
  const ev = e.event as { eventName: string; args: Record<string, any> };
  const a = ev.args;
  const s = (v: unknown) => (v === undefined || v === null ? null : String(v));
  if (e.contract === "points") {
    switch (ev.eventName) {
      case "IssuanceAllowanceSet":
        return [{
          text: `INSERT INTO merchants (address, name, allowance, active) VALUES ($1, '', $2, false)
                 ON CONFLICT (address) DO UPDATE SET allowance = EXCLUDED.allowance`,
          values: [a.merchant, s(a.newAllowance)],
        }];
      case "MerchantOnboarded":
        return [{
          text: `INSERT INTO merchants (address, name, allowance, active, onboarded_at) VALUES ($1, $2, $3, true, $4)
                 ON CONFLICT (address) DO UPDATE SET name = EXCLUDED.name, allowance = EXCLUDED.allowance, active = true, onboarded_at = EXCLUDED.onboarded_at`,
          values: [a.merchant, a.name, s(a.allowance), ts],
        }];
      case "MerchantOffboarded":
        return [{ text: `UPDATE merchants SET active = false, allowance = 0 WHERE address = $1`, values: [a.merchant] }];
      case "CharityRegistered":
        return [{
          text: `INSERT INTO charities (address, name, active) VALUES ($1, $2, true) ON CONFLICT (address) DO UPDATE SET name = EXCLUDED.name, active = true`,
          values: [a.charity, a.name],
        }];
      case "CharityRemoved":
        return [{ text: `UPDATE charities SET active = false WHERE address = $1`, values: [a.charity] }];
      case "TierThresholdsSet":
        return [{ text: `UPDATE program_settings SET tier_thresholds = $1::numeric[] WHERE id = 1`, values: [(a.thresholds as unknown[]).map(String)] }];
      case "InactivityPeriodSet":
        return [{ text: `UPDATE program_settings SET inactivity_period = $1 WHERE id = 1`, values: [s(a.newPeriod)] }];
      case "Paused":
        return [{ text: `UPDATE program_settings SET paused = true WHERE id = 1`, values: [] }];
      case "Unpaused":
        return [{ text: `UPDATE program_settings SET paused = false WHERE id = 1`, values: [] }];
    }
    return [];
  }
  switch (ev.eventName) {
    case "RewardCreated": {
      const t = a.terms;
      const m = a.metadata;
      return [{
        text: `INSERT INTO rewards (id, merchant, cost, supply_cap, min_tier, valid_from, valid_until, soulbound, mint_only, category, name, description, image, paused, minted, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, false, 0, $14)
               ON CONFLICT (id) DO UPDATE SET paused = false`,
        values: [s(a.rewardId), a.merchant, s(t.cost), s(t.supplyCap), Number(t.minTier), s(t.validFrom), s(t.validUntil), t.soulbound, t.mintOnly, Number(t.category), m.name, m.description, m.image, ts],
      }];
    }
    case "RewardPauseSet":
      return [{ text: `UPDATE rewards SET paused = $2 WHERE id = $1`, values: [s(a.rewardId), a.paused] }];
  }
  return [];
}
