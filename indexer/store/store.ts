/**
 * The mirror's only writer, as one object over ONE connection: the writer lock and identity
 * (writer.ts), the secondary indexes (indexes.ts), a batch applied in one transaction (apply.ts),
 * a reorg rolled back in one (rollback.ts), each table's rules side by side (tables/), and what a
 * batch derives without a database (projection.ts).
 */
import type { Hex } from "viem";
import pg from "pg";
import { closeClient, connectClient, DEFAULT_DB_TIMEOUT_MS, type ConnectionOptions } from "../database/connection.ts";
import type { BlockHeader } from "../rpc/client.ts";
import { applyBatch } from "./apply.ts";
import { dropSecondaryIndexes, ensureIndexes, missingIndexes } from "./indexes.ts";
import { prepareBatch, type PreparedBatch } from "./projection.ts";
import { rollbackTo } from "./rollback.ts";
import { storedBlocks } from "./tables/blocks.ts";
import type { Batch, ChainIdentity, Cursor, RollbackResult } from "./types.ts";
import { acquireWriterLock, checkCursor, checkIdentity, eraseMirror, readState, startMirror } from "./writer.ts";

export { SECONDARY_INDEXES } from "./indexes.ts";
export { aggregateAccounts, migrationsOf, prepareBatch, type Migration, type PreparedBatch } from "./projection.ts";
export { ChainMismatchError, CursorMovedError, DeepReorgError, type Batch, type ChainIdentity, type Cursor, type RollbackResult } from "./types.ts";
export { WRITER_LOCK_KEY } from "./writer.ts";

export class Store {
  private connection: pg.Client | null = null;
  private thresholds: bigint[] = [];
  private closed = false;
  private readonly connectionOptions: ConnectionOptions;

  constructor(
    readonly url: string,
    private readonly log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
    options: Partial<ConnectionOptions> = {},
  ) {
    this.connectionOptions = { timeoutMs: options.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS, applicationName: options.applicationName ?? "loyalty-indexer" };
  }

  get client(): pg.Client {
    if (!this.connection) throw new Error("the store is not connected");
    return this.connection;
  }

  async connect() {
    this.connection = await connectClient(this.url, this.connectionOptions, (error) => this.log("database connection error", { error: error.message }));
    // Safe here: the cursor commits with the rows, so a server crash can only lose whole recent
    // batches, which are fetched again. It saves a WAL flush per batch in realtime.
    await this.client.query("SET synchronous_commit = off");
  }

  /** Ends the connection (releasing the writer lock with it), even from a database that stopped answering. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    if (this.connection) await closeClient(this.connection);
  }

  checkCursor(cursor: { number: bigint; hash: Hex | null }) {
    return checkCursor(this.client, cursor);
  }

  acquireWriterLock(onWait?: () => void, pollMs = 500, signal?: AbortSignal) {
    return acquireWriterLock(this.client, onWait, pollMs, signal);
  }

  get tierThresholds() {
    return this.thresholds;
  }

  async readState(): Promise<(ChainIdentity & Cursor) | null> {
    const { state, thresholds } = await readState(this.client);
    this.thresholds = thresholds;
    return state;
  }

  /** Checks the mirror follows `id` (or starts it); a mirror of another chain or deployment throws. */
  async open(id: ChainIdentity): Promise<Cursor> {
    const state = await this.readState();
    if (state) {
      checkIdentity(state, id);
      return state;
    }
    this.thresholds = [];
    return startMirror(this.client, id);
  }

  async reset() {
    await eraseMirror(this.client);
    this.thresholds = [];
  }

  dropSecondaryIndexes() {
    return dropSecondaryIndexes(this.client);
  }

  missingIndexes(): Promise<string[]> {
    return missingIndexes(this.client);
  }

  ensureIndexes(): Promise<string[]> {
    return ensureIndexes(this.client, this.url, this.connectionOptions);
  }

  /** Rough row count of the history (planner statistics; 0 when never analyzed). */
  async estimatedHistoryRows(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'point_events'::regclass`);
    return Number(rows[0]?.n ?? 0);
  }

  storedBlocks(number: bigint, limit = 64): Promise<BlockHeader[]> {
    return storedBlocks(this.client, number, limit);
  }

  /** Applies one batch in one transaction; returns the number of events applied. */
  async apply(batch: Batch, prepared: PreparedBatch = prepareBatch(batch)): Promise<number> {
    const { count, thresholds } = await applyBatch(this.client, batch, prepared, this.thresholds, this.log);
    this.thresholds = thresholds;
    return count;
  }

  /** Undoes every block above `ancestor` (a reorg), in one transaction. */
  async rollback(ancestor: BlockHeader): Promise<RollbackResult> {
    let undidFinal: boolean;
    try {
      ({ undidFinal } = await rollbackTo(this.client, ancestor, this.thresholds));
    } catch (error) {
      // The thresholds held in memory must be the database's again.
      await this.readState().catch(() => {});
      throw error;
    }
    const state = (await this.readState())!;
    return { undidFinal, finalized: state.finalized, eventsApplied: state.eventsApplied };
  }
}
