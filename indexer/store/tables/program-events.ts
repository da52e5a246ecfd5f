/** `program_events`: every log that is not a points Transfer, as it came (configuration, catalog, vouchers, migrations). */
import type pg from "pg";
import { stringify } from "viem";
import type { DomainEvent } from "../../decode/index.ts";

/** Apply: the batch's program events, in chain order. */
export async function insertProgramEvents(c: pg.ClientBase, events: readonly DomainEvent[], tsOf: (n: bigint) => string) {
  if (!events.length) return;
  await c.query(
    `INSERT INTO program_events (block_number, log_index, tx_hash, timestamp, contract, name, args)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::jsonb[])`,
    [
      events.map((e) => e.blockNumber.toString()),
      events.map((e) => e.logIndex),
      events.map((e) => e.txHash),
      events.map((e) => tsOf(e.blockNumber)),
      events.map((e) => (e.contract === "points" ? "LoyaltyPoints" : "RewardNFT")),
      events.map((e) => e.event.eventName),
      events.map((e) => stringify(e.event.args ?? {})),
    ],
  );
}

/**
 * Rollback: deletes the program events above `block`; returns how many, and the accounts whose
 * migrations went with them (a migration of an account without points has no history row, yet
 * moved lifetime earned).
 */
export async function deleteProgramEventsAbove(c: pg.ClientBase, block: string): Promise<{ count: number; migrated: string[] }> {
  const removed = await c.query(`DELETE FROM program_events WHERE block_number > $1 RETURNING name, args`, [block]);
  const migrated = removed.rows.filter((r) => r.name === "AccountMigrated").flatMap((r) => [r.args.from as string, r.args.to as string]);
  return { count: removed.rowCount ?? 0, migrated };
}
