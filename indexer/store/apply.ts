/**
 * One batch, in ONE transaction on the writer's connection: its events, the state they derive and
 * the cursor move together, so a crash at any instant loses or doubles nothing. Each table's rule
 * is in tables/; this file is only their order.
 */
import type pg from "pg";
import { applyAccountDeltas, applyMigrations, retierAll } from "./tables/accounts.ts";
import { advanceCursor, lockCursorFor } from "./tables/blocks.ts";
import { applyAllowances, applyConfiguration } from "./tables/configuration.ts";
import { copyHistory } from "./tables/point-events.ts";
import { insertProgramEvents } from "./tables/program-events.ts";
import { applyNftTransfers, applyVoucherConsumptions } from "./tables/reward-tokens.ts";
import type { PreparedBatch } from "./projection.ts";
import type { Batch } from "./types.ts";

const PROFILE = !!process.env.INDEXER_PROFILE;

export interface Applied {
  /** Events applied. */
  count: number;
  /** The tier thresholds after the batch. */
  thresholds: bigint[];
}

export async function applyBatch(
  c: pg.ClientBase,
  batch: Batch,
  prepared: PreparedBatch,
  thresholdsBefore: bigint[],
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<Applied> {
  const marks: [string, number][] = [["start", performance.now()]];
  const mark = PROFILE ? (label: string) => marks.push([label, performance.now()]) : () => {};
  const block = batch.to.number.toString();
  await c.query("BEGIN");
  try {
    await lockCursorFor(c, batch);
    // 1. Configuration and catalog events, in chain order.
    await insertProgramEvents(c, prepared.programEvents, prepared.tsOf);
    const thresholds = await applyConfiguration(c, prepared.programEvents, prepared.tsOf, thresholdsBefore);
    // 2. Reward NFTs: transfer rows, owners, minted counts, then consumed vouchers.
    await applyNftTransfers(c, prepared.nftTransfers, prepared.tsOf, prepared.times);
    await applyVoucherConsumptions(c, prepared.programEvents);
    // 3. Migrations before the batch's account deltas (see applyMigrations).
    await applyMigrations(c, prepared.migrations, thresholds, block);
    mark("program+nft");
    // 4. Points history (COPY) and the accounts it changes.
    await copyHistory(c, prepared.copyChunks);
    mark("copy history");
    await applyAccountDeltas(c, prepared, thresholds, block);
    mark("accounts");
    if (thresholds !== thresholdsBefore) await retierAll(c, thresholds);
    // 5. Merchants' remaining allowance.
    await applyAllowances(c, prepared.allowances);
    // 6. Blocks, finality and the cursor.
    await advanceCursor(c, batch);
    mark("blocks+cursor");
    await c.query("COMMIT");
    mark("commit");
    if (PROFILE) log("batch profile", Object.fromEntries(marks.slice(1).map(([l, t], i) => [l, Math.round(t - marks[i][1])])));
    return { count: batch.events.length, thresholds };
  } catch (error) {
    await c.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
