/** The programme as the mirror holds it: its cursor, settings, merchants, charities and headline counts. */
import { big, type MirrorDb } from "./db.ts";

export interface MirrorCursor {
  chainId: number;
  cursorNumber: bigint;
  cursorHash: string | null;
  finalizedNumber: bigint;
  /** Timestamp of the newest stored block at or below the cursor. */
  latestTimestamp: Date | null;
}

export interface MirrorMerchant {
  address: string;
  name: string;
  allowance: bigint;
  active: boolean;
}

export function programQueries({ prisma }: MirrorDb) {
  return {
    async cursor(): Promise<MirrorCursor | null> {
      const rows = await prisma.$queryRaw<{ chain_id: number; cursor_number: bigint; cursor_hash: string | null; finalized_number: bigint; ts: Date | null }[]>`
        SELECT s.chain_id, s.cursor_number, s.cursor_hash, s.finalized_number,
               (SELECT timestamp FROM blocks WHERE number <= s.cursor_number ORDER BY number DESC LIMIT 1) AS ts
        FROM indexer_state s WHERE s.id = 1`;
      const r = rows[0];
      if (!r) return null;
      return { chainId: r.chain_id, cursorNumber: big(r.cursor_number), cursorHash: r.cursor_hash, finalizedNumber: big(r.finalized_number), latestTimestamp: r.ts };
    },

    async settings(): Promise<{ tierThresholds: bigint[]; inactivityPeriod: bigint; paused: boolean }> {
      const s = await prisma.programSettings.findUnique({ where: { id: 1 } });
      return { tierThresholds: (s?.tierThresholds ?? []).map(big), inactivityPeriod: s ? big(s.inactivityPeriod) : 0n, paused: s?.paused ?? false };
    },

    /** Every merchant ever onboarded, in onboarding order. */
    async merchants(): Promise<MirrorMerchant[]> {
      const rows = await prisma.merchant.findMany({ orderBy: { onboardedAt: "asc" } });
      return rows.map((m) => ({ address: m.address, name: m.name, allowance: big(m.allowance), active: m.active }));
    },

    async activeCharities(): Promise<{ address: string; name: string }[]> {
      const rows = await prisma.charity.findMany({ where: { active: true }, orderBy: { name: "asc" } });
      return rows.map((c) => ({ address: c.address, name: c.name }));
    },

    /** Points in circulation, members (holders that are neither merchant nor charity), redemptions. */
    async headline(): Promise<{ supply: bigint; members: number; redemptions: number }> {
      const rows = await prisma.$queryRaw<{ supply: string; members: bigint; redeemed: bigint }[]>`
        SELECT (SELECT COALESCE(SUM(balance), 0)::text FROM accounts) AS supply,
               (SELECT COUNT(*) FROM accounts a WHERE (a.lifetime_earned > 0 OR a.balance > 0)
                  AND NOT EXISTS (SELECT 1 FROM charities c WHERE c.address = a.address)
                  AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.address = a.address)) AS members,
               (SELECT COUNT(*) FROM point_events WHERE kind = 'redemption') AS redeemed`;
      const t = rows[0];
      return { supply: big(t?.supply ?? "0"), members: Number(t?.members ?? 0n), redemptions: Number(t?.redeemed ?? 0n) };
    },
  };
}
