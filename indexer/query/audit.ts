/** What the auditor's page compares with the chain: balances taken back to a block, and a stamp of the snapshot read. */
import { norm, type MirrorDb } from "./db.ts";

export function auditQueries({ prisma }: MirrorDb) {
  return {
    /** Net change of each account after `block` (to take current mirror balances back to `block`). */
    async changesAfter(block: bigint): Promise<Map<string, bigint>> {
      const rows = await prisma.$queryRaw<{ address: string; delta: string }[]>`
        SELECT address, SUM(delta)::text AS delta FROM (
          SELECT to_address AS address, amount AS delta FROM point_events WHERE block_number > ${block} AND to_address IS NOT NULL
          UNION ALL
          SELECT from_address, -amount FROM point_events WHERE block_number > ${block} AND from_address IS NOT NULL
        ) x GROUP BY address`;
      return new Map(rows.map((r) => [r.address, BigInt(r.delta)]));
    },

    /** Accounts and the sum of their balances now. */
    async balanceTotals(): Promise<{ accounts: number; total: bigint }> {
      const rows = await prisma.$queryRaw<{ n: bigint; total: string }[]>`SELECT COUNT(*) AS n, COALESCE(SUM(balance), 0)::text AS total FROM accounts`;
      return { accounts: Number(rows[0]?.n ?? 0n), total: BigInt(rows[0]?.total ?? "0") };
    },

    /** Current balances, largest first then by address: `addresses` only, or an `offset`/`limit` page. */
    async balances(options: { offset?: number; limit?: number; addresses?: string[] } = {}): Promise<{ address: string; balance: bigint }[]> {
      const rows = options.addresses
        ? await prisma.$queryRaw<{ address: string; balance: string }[]>`
            SELECT address, balance::text AS balance FROM accounts WHERE address = ANY(${options.addresses.map(norm)}) ORDER BY balance DESC, address`
        : await prisma.$queryRaw<{ address: string; balance: string }[]>`
            SELECT address, balance::text AS balance FROM accounts ORDER BY balance DESC, address OFFSET ${options.offset ?? 0} LIMIT ${options.limit ?? 1_000_000_000}`;
      return rows.map((r) => ({ address: r.address, balance: BigInt(r.balance) }));
    },

    /** The mirror's cursor and the database snapshot it was read in (a report is cached per snapshot). */
    async cursorAndSnapshot(): Promise<{ cursorNumber: bigint; cursorHash: string | null; snapshot: string } | null> {
      const rows = await prisma.$queryRaw<{ n: string; h: string | null; s: string }[]>`
        SELECT cursor_number::text AS n, cursor_hash AS h, pg_current_snapshot()::text AS s FROM indexer_state WHERE id = 1`;
      const r = rows[0];
      return r ? { cursorNumber: BigInt(r.n), cursorHash: r.h, snapshot: r.s } : null;
    },
  };
}
