/**
 * `nft_transfers` (every reward NFT Transfer), `reward_tokens` (each token's owner and whether its
 * voucher was consumed) and `rewards.minted`.
 */
import type pg from "pg";
import { rewardIdSql } from "../../../contracts/spec/index.ts";
import type { DomainEvent } from "../../decode/index.ts";
import { tokenOwners } from "../projection.ts";

/** Apply: the transfer rows, each token's final owner in the batch, the rewards' minted counts. */
export async function applyNftTransfers(c: pg.ClientBase, transfers: readonly DomainEvent[], tsOf: (n: bigint) => string, times: Map<bigint, number>) {
  if (!transfers.length) return;
  const args = (e: DomainEvent) => e.event.args as { from: string; to: string; tokenId: bigint };
  await c.query(
    `INSERT INTO nft_transfers (block_number, log_index, tx_hash, timestamp, token_id, from_address, to_address)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::numeric[], $6::text[], $7::text[])`,
    [
      transfers.map((e) => e.blockNumber.toString()),
      transfers.map((e) => e.logIndex),
      transfers.map((e) => e.txHash),
      transfers.map((e) => tsOf(e.blockNumber)),
      transfers.map((e) => args(e).tokenId.toString()),
      transfers.map((e) => args(e).from),
      transfers.map((e) => args(e).to),
    ],
  );
  const tokens = tokenOwners(transfers);
  const ids = [...tokens.keys()];
  await c.query(
    `INSERT INTO reward_tokens (token_id, reward_id, owner, consumed, minted_block, minted_at)
     SELECT t, ${rewardIdSql("t")}, o, false, COALESCE(mb, 0), to_timestamp(COALESCE(mt, 0))
     FROM unnest($1::numeric[], $2::text[], $3::bigint[], $4::bigint[]) AS u(t, o, mb, mt)
     ON CONFLICT (token_id) DO UPDATE SET owner = EXCLUDED.owner`,
    [
      ids.map(String),
      ids.map((id) => tokens.get(id)!.owner),
      ids.map((id) => tokens.get(id)!.mintedBlock?.toString() ?? null),
      ids.map((id) => {
        const mb = tokens.get(id)!.mintedBlock;
        return mb === undefined ? null : times.get(mb)!;
      }),
    ],
  );
  const minted = ids.filter((id) => tokens.get(id)!.mintedBlock !== undefined);
  if (minted.length) {
    await c.query(
      `UPDATE rewards r SET minted = r.minted + m.n FROM (
         SELECT ${rewardIdSql("t")} AS id, count(*)::int AS n FROM unnest($1::numeric[]) t GROUP BY 1
       ) m WHERE r.id = m.id`,
      [minted.map(String)],
    );
  }
}

/** Apply: vouchers consumed in the batch. */
export async function applyVoucherConsumptions(c: pg.ClientBase, programEvents: readonly DomainEvent[]) {
  for (const e of programEvents) {
    if (e.contract === "rewards" && e.event.eventName === "VoucherConsumed") {
      await c.query(`UPDATE reward_tokens SET consumed = true WHERE token_id = $1`, [e.event.args.tokenId.toString()]);
    }
  }
}

/**
 * Rollback: deletes the transfers above `block`; each token they moved gets its owner from its
 * remaining transfers (none: it was never minted, so it goes). Returns how many transfers went.
 */
export async function rollbackNftTransfers(c: pg.ClientBase, block: string): Promise<number> {
  const nft = await c.query(`DELETE FROM nft_transfers WHERE block_number > $1 RETURNING token_id::text AS t`, [block]);
  const tokens = [...new Set(nft.rows.map((r) => r.t as string))];
  if (tokens.length) {
    await c.query(
      `DELETE FROM reward_tokens WHERE token_id = ANY($1::numeric[]) AND NOT EXISTS (SELECT 1 FROM nft_transfers x WHERE x.token_id = reward_tokens.token_id)`,
      [tokens],
    );
    await c.query(
      `UPDATE reward_tokens SET owner = (SELECT to_address FROM nft_transfers x WHERE x.token_id = reward_tokens.token_id ORDER BY block_number DESC, log_index DESC LIMIT 1)
       WHERE token_id = ANY($1::numeric[])`,
      [tokens],
    );
  }
  return nft.rowCount ?? 0;
}
