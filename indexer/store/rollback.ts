/**
 * A reorg: every block above the common ancestor undone in ONE transaction — events, derived state,
 * blocks and the cursor. Blocks marked final are undone like the others (the chain is the truth;
 * finality is only the margin the readers are told to trust): the result says so, for the caller
 * to warn. Each table's rule is in tables/; this file is only their order.
 */
import type pg from "pg";
import type { BlockHeader } from "../rpc/client.ts";
import { recomputeAccounts, retierAll } from "./tables/accounts.ts";
import { lockCursorForRollback, rewindCursor } from "./tables/blocks.ts";
import { rebuildAllowances, rebuildCatalogAndMerchants, rebuildSettings } from "./tables/configuration.ts";
import { deleteHistoryAbove } from "./tables/point-events.ts";
import { deleteProgramEventsAbove } from "./tables/program-events.ts";
import { rollbackNftTransfers } from "./tables/reward-tokens.ts";

export async function rollbackTo(c: pg.ClientBase, ancestor: BlockHeader, thresholdsBefore: readonly bigint[]): Promise<{ undidFinal: boolean }> {
  const n = ancestor.number.toString();
  await c.query("BEGIN");
  try {
    const { undidFinal } = await lockCursorForRollback(c, ancestor);
    const history = await deleteHistoryAbove(c, n);
    const program = await deleteProgramEventsAbove(c, n);
    const nftTransfers = await rollbackNftTransfers(c, n);
    const thresholds = await rebuildSettings(c);
    if (thresholds.join() !== thresholdsBefore.join()) await retierAll(c, thresholds);
    if (program.count) await rebuildCatalogAndMerchants(c);
    else await rebuildAllowances(c);
    const touched = new Set([...history.touched, ...program.migrated]);
    if (touched.size) await recomputeAccounts(c, [...touched]);
    await rewindCursor(c, ancestor, history.logs + program.count + nftTransfers);
    await c.query("COMMIT");
    return { undidFinal };
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
