/**
 * The mirror's only writer. Every batch (its events, the derived state and the cursor) is applied
 * in ONE transaction on ONE connection, written in bulk (COPY and UNNEST), so a crash at any instant
 * loses or doubles nothing: the cursor moves with the rows. The same connection holds the writer's
 * advisory lock, so losing the connection loses the lock and the writer must start again.
 */
import type { Hex } from "viem";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { closeClient, connectClient, DEFAULT_DB_TIMEOUT_MS, UNBOUNDED_QUERY_MS, type ConnectionOptions } from "../database/connection.ts";
import { tierFor, toPointHistory, type DomainEvent, type PointHistoryEvent } from "../decode/index.ts";
import type { BlockHeader } from "../rpc/client.ts";

export const WRITER_LOCK_KEY = 0x1d3a_0003;

export interface ChainIdentity {
  chainId: number;
  genesisHash: Hex;
  pointsAddress: Hex;
  rewardsAddress: Hex;
  startBlock: bigint;
}

export interface Cursor {
  number: bigint;
  hash: Hex | null;
  finalized: bigint;
  eventsApplied: bigint;
}

export interface Batch {
  /** First block covered; the cursor must be at fromBlock - 1. */
  fromBlock: bigint;
  /**
   * The chain's parent hash of `fromBlock`: the cursor's hash must be this one, so that a batch
   * fetched on another branch than the mirror's is refused (null: not known, as at the very start).
   */
  parentHash: Hex | null;
  /** Last block covered: the cursor after the batch. */
  to: BlockHeader;
  /** Headers to record: at least every block with events and `to`. */
  blocks: BlockHeader[];
  events: DomainEvent[];
  /** Blocks at or below this number are final. */
  finalized: bigint;
}

export class ChainMismatchError extends Error {
  override name = "ChainMismatchError";
}
export class CursorMovedError extends Error {
  override name = "CursorMovedError";
}
/** A reorg below every block hash the mirror keeps: nothing to roll back to. */
export class DeepReorgError extends Error {
  override name = "DeepReorgError";
}

/** What a rollback undid. */
export interface RollbackResult {
  /** Blocks marked final were undone: the chain reorganised deeper than the confirmations. */
  undidFinal: boolean;
  finalized: bigint;
  eventsApplied: bigint;
}

const MIRROR_TABLES = [
  "point_events", "program_events", "nft_transfers", "reward_tokens", "rewards", "accounts",
  "merchants", "charities", "program_settings", "blocks", "indexer_state",
];

const jsonArgs = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

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

  /** Throws unless the database answers and its cursor is `cursor` (another writer, a reset, a lost batch). */
  async checkCursor(cursor: { number: bigint; hash: Hex | null }) {
    const { rows } = await this.client.query(`SELECT cursor_number, cursor_hash FROM indexer_state WHERE id = 1`);
    if (!rows[0] || BigInt(rows[0].cursor_number) !== cursor.number || rows[0].cursor_hash !== cursor.hash) {
      throw new CursorMovedError(`the mirror's cursor is ${rows[0] ? `${rows[0].cursor_number}/${rows[0].cursor_hash}` : "gone"}, this writer expected ${cursor.number}/${cursor.hash}`);
    }
  }

  /** Waits until this connection is THE writer (session advisory lock). */
  async acquireWriterLock(onWait?: () => void, pollMs = 500, signal?: AbortSignal) {
    let warned = false;
    for (;;) {
      const { rows } = await this.client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WRITER_LOCK_KEY]);
      if (rows[0].ok) return;
      if (!warned) onWait?.();
      warned = true;
      if (signal?.aborted) throw new Error("aborted while waiting for the writer lock");
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  get tierThresholds() {
    return this.thresholds;
  }

  /** Reads the mirror's identity and cursor (null: an empty mirror). */
  async readState(): Promise<(ChainIdentity & Cursor) | null> {
    const { rows } = await this.client.query(
      `SELECT chain_id, genesis_hash, points_address, rewards_address, start_block, cursor_number, cursor_hash,
              finalized_number, events_applied FROM indexer_state WHERE id = 1`,
    );
    const settings = await this.client.query<{ t: string[] | null }>(`SELECT tier_thresholds::text[] AS t FROM program_settings WHERE id = 1`);
    this.thresholds = (settings.rows[0]?.t ?? []).map(BigInt);
    if (!rows[0]) return null;
    const r = rows[0];
    return {
      chainId: r.chain_id,
      genesisHash: r.genesis_hash,
      pointsAddress: r.points_address,
      rewardsAddress: r.rewards_address,
      startBlock: BigInt(r.start_block),
      number: BigInt(r.cursor_number),
      hash: r.cursor_hash,
      finalized: BigInt(r.finalized_number),
      eventsApplied: BigInt(r.events_applied),
    };
  }

  /** Checks the mirror follows `id` (or starts it); a mirror of another chain or deployment throws. */
  async open(id: ChainIdentity): Promise<Cursor> {
    const state = await this.readState();
    if (state) {
      const problems: string[] = [];
      if (state.chainId !== id.chainId) problems.push(`chain id ${state.chainId} (the RPC is ${id.chainId})`);
      else if (state.genesisHash !== id.genesisHash) problems.push(`genesis ${state.genesisHash} (the RPC's is ${id.genesisHash}: the chain was restarted)`);
      if (state.pointsAddress !== id.pointsAddress || state.rewardsAddress !== id.rewardsAddress) {
        problems.push(`contracts ${state.pointsAddress}/${state.rewardsAddress} (the deployment has ${id.pointsAddress}/${id.rewardsAddress})`);
      }
      if (problems.length) {
        throw new ChainMismatchError(
          `the database mirrors another chain or deployment: ${problems.join("; ")}. ` +
            "Nothing was changed. Run with --reset to erase this mirror and rebuild it, or use another DATABASE_URL.",
        );
      }
      return state;
    }
    await this.client.query(
      `INSERT INTO indexer_state (id, chain_id, genesis_hash, points_address, rewards_address, start_block, cursor_number, cursor_hash, updated_at)
       VALUES (1, $1, $2, $3, $4, $5, $6, NULL, now())`,
      [id.chainId, id.genesisHash, id.pointsAddress, id.rewardsAddress, id.startBlock.toString(), (id.startBlock - 1n).toString()],
    );
    await this.client.query(`INSERT INTO program_settings (id, tier_thresholds) VALUES (1, '{}') ON CONFLICT DO NOTHING`);
    this.thresholds = [];
    return { number: id.startBlock - 1n, hash: null, finalized: -1n, eventsApplied: 0n };
  }

  /** Erases the whole mirror (not the migrations). */
  async reset() {
    await this.client.query(`TRUNCATE ${MIRROR_TABLES.map((t) => `"${t}"`).join(", ")}`);
    this.thresholds = [];
  }

  /**
   * A large backfill writes faster without the secondary indexes that only the readers need:
   * building an index once by sorting beats inserting every row into it (the balance index alone
   * cost ~40% of the account writes). Dropping them is one transaction, so a crash leaves them
   * either all present or all missing; `ensureIndexes` (called before the realtime phase, so before
   * /ready can say ready) rebuilds whatever is missing, whichever session dropped it.
   */
  async dropSecondaryIndexes() {
    const c = this.client;
    await c.query("BEGIN");
    try {
      for (const ix of SECONDARY_INDEXES) await c.query(`DROP INDEX IF EXISTS "${ix.name}"`);
      await c.query("COMMIT");
    } catch (error) {
      await c.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  /** The secondary indexes missing from the database (dropped by a backfill). */
  async missingIndexes(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(format('%I', n)) IS NULL`,
      [SECONDARY_INDEXES.map((ix) => ix.name)],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Rebuilds the secondary indexes a backfill dropped (their definitions are the migrations');
   * returns their names. Two connections build them side by side (the address indexes are the big
   * ones); each build is its own transaction, so a crash leaves some missing, rebuilt next time.
   */
  async ensureIndexes(): Promise<string[]> {
    const missing = new Set(await this.missingIndexes());
    const todo = SECONDARY_INDEXES.filter((ix) => missing.has(ix.name));
    if (!todo.length) return [];
    // Index builds over the whole history are the one kind of statement allowed to run long.
    const build = async (client: pg.Client, list: typeof todo) => {
      await client.query("SET maintenance_work_mem = '256MB'");
      await client.query("SET statement_timeout = 0");
      // pg reads a per-query query_timeout that its types do not declare.
      for (const ix of list) await client.query({ text: ix.ddl, query_timeout: UNBOUNDED_QUERY_MS } as pg.QueryConfig);
    };
    const half = Math.ceil(todo.length / 2);
    let helper: pg.Client | null = null;
    try {
      helper = await connectClient(this.url, { ...this.connectionOptions, applicationName: "loyalty-indexer-index-build" });
      // The writer keeps the biggest share; the helper takes the rest.
      await Promise.all([build(this.client, todo.slice(0, half)), build(helper, todo.slice(half))]);
      await this.client.query("RESET maintenance_work_mem");
      await this.client.query(`SELECT set_config('statement_timeout', $1, false)`, [String(this.connectionOptions.timeoutMs)]);
    } finally {
      if (helper) await closeClient(helper);
    }
    return todo.map((ix) => ix.name);
  }

  /** Rough row count of the history (planner statistics; 0 when never analyzed). */
  async estimatedHistoryRows(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`SELECT GREATEST(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'point_events'::regclass`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Stored block hashes at or below `number`, newest first (for the common-ancestor search). */
  async storedBlocks(number: bigint, limit = 64): Promise<BlockHeader[]> {
    const { rows } = await this.client.query(
      `SELECT number, hash, parent_hash, extract(epoch FROM timestamp)::bigint AS ts FROM blocks WHERE number <= $1 ORDER BY number DESC LIMIT $2`,
      [number.toString(), limit],
    );
    return rows.map((r) => ({ number: BigInt(r.number), hash: r.hash, parentHash: r.parent_hash, timestamp: Number(r.ts) }));
  }

  // ------------------------------------------------------------------------------ apply

  /** Applies one batch in one transaction; returns the number of events applied. */
  async apply(batch: Batch, prepared: PreparedBatch = prepareBatch(batch)): Promise<number> {
    const c = this.client;
    const { times, tsOf, history, programEvents, nftTransfers, accounts, copyChunks } = prepared;

    let thresholds = this.thresholds;
    let thresholdsChanged = false;

    const marks: [string, number][] = [["start", performance.now()]];
    const mark = PROFILE ? (label: string) => marks.push([label, performance.now()]) : () => {};
    await c.query("BEGIN");
    try {
      const { rows } = await c.query(`SELECT cursor_number, cursor_hash FROM indexer_state WHERE id = 1 FOR UPDATE`);
      if (!rows[0]) throw new CursorMovedError("the mirror has no state row (was it reset?)");
      if (BigInt(rows[0].cursor_number) !== batch.fromBlock - 1n) {
        throw new CursorMovedError(`cursor is at ${rows[0].cursor_number}, batch starts at ${batch.fromBlock}`);
      }
      if (rows[0].cursor_hash && batch.parentHash && rows[0].cursor_hash !== batch.parentHash) {
        throw new CursorMovedError(
          `block ${batch.fromBlock} does not follow the cursor: its parent is ${batch.parentHash}, the cursor's block ${rows[0].cursor_hash} (a reorg at the cursor)`,
        );
      }

      // 1. Configuration and catalog events, in chain order.
      if (programEvents.length) {
        await c.query(
          `INSERT INTO program_events (block_number, log_index, tx_hash, timestamp, contract, name, args)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::jsonb[])`,
          [
            programEvents.map((e) => e.blockNumber.toString()),
            programEvents.map((e) => e.logIndex),
            programEvents.map((e) => e.txHash),
            programEvents.map((e) => tsOf(e.blockNumber)),
            programEvents.map((e) => (e.contract === "points" ? "LoyaltyPoints" : "RewardNFT")),
            programEvents.map((e) => e.event.eventName),
            programEvents.map((e) => jsonArgs(e.event.args ?? {})),
          ],
        );
        for (const e of programEvents) {
          if (e.contract === "points" && e.event.eventName === "TierThresholdsSet") {
            thresholds = [...(e.event.args.thresholds as readonly bigint[])];
            thresholdsChanged = true;
          }
          for (const q of configStatements(e, tsOf(e.blockNumber))) await c.query(q.text, q.values);
        }
      }

      // 2. Reward NFTs: transfer rows, then each token's final owner in this batch.
      if (nftTransfers.length) {
        const tokens = new Map<bigint, { owner: string; mintedBlock?: bigint }>();
        for (const e of nftTransfers) {
          const a = e.event.args as { from: string; to: string; tokenId: bigint };
          const t = tokens.get(a.tokenId) ?? { owner: a.to };
          t.owner = a.to;
          if (a.from === ZERO) t.mintedBlock = e.blockNumber;
          tokens.set(a.tokenId, t);
        }
        await c.query(
          `INSERT INTO nft_transfers (block_number, log_index, tx_hash, timestamp, token_id, from_address, to_address)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::numeric[], $6::text[], $7::text[])`,
          [
            nftTransfers.map((e) => e.blockNumber.toString()),
            nftTransfers.map((e) => e.logIndex),
            nftTransfers.map((e) => e.txHash),
            nftTransfers.map((e) => tsOf(e.blockNumber)),
            nftTransfers.map((e) => (e.event.args as { tokenId: bigint }).tokenId.toString()),
            nftTransfers.map((e) => (e.event.args as { from: string }).from),
            nftTransfers.map((e) => (e.event.args as { to: string }).to),
          ],
        );
        const ids = [...tokens.keys()];
        const minted = ids.filter((id) => tokens.get(id)!.mintedBlock !== undefined);
        await c.query(
          `INSERT INTO reward_tokens (token_id, reward_id, owner, consumed, minted_block, minted_at)
           SELECT t, (t / 340282366920938463463374607431768211456)::bigint, o, false, COALESCE(mb, 0), to_timestamp(COALESCE(mt, 0))
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
        if (minted.length) {
          await c.query(
            `UPDATE rewards r SET minted = r.minted + m.n FROM (
               SELECT (t / 340282366920938463463374607431768211456)::bigint AS id, count(*)::int AS n FROM unnest($1::numeric[]) t GROUP BY 1
             ) m WHERE r.id = m.id`,
            [minted.map(String)],
          );
        }
      }
      for (const e of programEvents) {
        if (e.contract === "rewards" && e.event.eventName === "VoucherConsumed") {
          await c.query(`UPDATE reward_tokens SET consumed = true WHERE token_id = $1`, [e.event.args.tokenId.toString()]);
        }
      }

      // 3. Account migrations move lifetime earned (the tier follows) and carry the last activity;
      // their balance moves with their Transfer in the history below. Applied before the batch's
      // account deltas: lifetime earned is a sum, so the order does not matter for it, and the
      // carried activity must be the source's before the batch's later events (see migrationsOf).
      for (const m of prepared.migrations) {
        await c.query(
          `INSERT INTO accounts (address, balance, lifetime_earned, tier, last_activity, updated_block)
           VALUES ($1, 0, 0, 0, NULL, $3), ($2, 0, 0, 0, NULL, $3) ON CONFLICT (address) DO NOTHING`,
          [m.from, m.to, batch.to.number.toString()],
        );
        await c.query(
          `UPDATE accounts t SET lifetime_earned = t.lifetime_earned + $3,
             last_activity = GREATEST(t.last_activity, f.last_activity, to_timestamp($4)), updated_block = $5
           FROM accounts f WHERE t.address = $2 AND f.address = $1`,
          [m.from, m.to, m.lifetimeEarned.toString(), m.fromLastInBatch, batch.to.number.toString()],
        );
        await c.query(
          `UPDATE accounts SET lifetime_earned = lifetime_earned - $2 WHERE address = $1`,
          [m.from, m.lifetimeEarned.toString()],
        );
        await c.query(
          `UPDATE accounts SET tier = (SELECT count(*) FROM unnest($2::numeric[]) x WHERE x <= lifetime_earned)::int
           WHERE address = ANY($1::text[])`,
          [[m.from, m.to], thresholds.map(String)],
        );
      }

      // 4. Points history (COPY) and the accounts it changes (one UNNEST upsert).
      mark("program+nft");
      if (history.length) await this.copyHistory(copyChunks);
      mark("copy history");
      if (accounts.size) {
        const addrs = [...accounts.keys()];
        // Tiers only move with lifetime earned: new accounts get theirs from JS, existing ones are
        // recomputed in SQL only when their lifetime earned changed.
        await c.query(
          `INSERT INTO accounts (address, balance, lifetime_earned, tier, last_activity, updated_block)
           SELECT a, b, e, t, to_timestamp(ts), $7
           FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::int[], $5::bigint[]) AS u(a, b, e, t, ts)
           ON CONFLICT (address) DO UPDATE SET
             balance = accounts.balance + EXCLUDED.balance,
             lifetime_earned = accounts.lifetime_earned + EXCLUDED.lifetime_earned,
             tier = CASE WHEN EXCLUDED.lifetime_earned = 0 THEN accounts.tier ELSE
               (SELECT count(*) FROM unnest($6::numeric[]) t WHERE t <= accounts.lifetime_earned + EXCLUDED.lifetime_earned)::int END,
             last_activity = GREATEST(accounts.last_activity, EXCLUDED.last_activity),
             updated_block = EXCLUDED.updated_block`,
          [
            prepared.accountArrays.addresses,
            prepared.accountArrays.balances,
            prepared.accountArrays.earned,
            `{${addrs.map((a) => tierFor(accounts.get(a)!.earned, thresholds)).join(",")}}`,
            prepared.accountArrays.last,
            thresholds.map(String),
            batch.to.number.toString(),
          ],
        );
      }
      mark("accounts");
      if (thresholdsChanged) {
        await c.query(
          `UPDATE accounts SET tier = x.tier FROM (
             SELECT address, (SELECT count(*) FROM unnest($1::numeric[]) t WHERE t <= lifetime_earned)::int AS tier FROM accounts
           ) x WHERE accounts.address = x.address AND accounts.tier <> x.tier`,
          [thresholds.map(String)],
        );
      }

      // 5. Merchants' remaining allowance: the last value set in this batch minus what they issued after it.
      const allowance = allowanceChanges(batch.events);
      if (allowance.size) {
        const ms = [...allowance.keys()];
        await c.query(
          `UPDATE merchants m SET allowance = COALESCE(u.s, m.allowance) - u.d
           FROM unnest($1::text[], $2::numeric[], $3::numeric[]) AS u(a, s, d) WHERE m.address = u.a`,
          [ms, ms.map((m) => allowance.get(m)!.set?.toString() ?? null), ms.map((m) => allowance.get(m)!.spent.toString())],
        );
      }

      // 6. Blocks, finality and the cursor.
      const blocks = batch.blocks;
      await c.query(
        `INSERT INTO blocks (number, hash, parent_hash, timestamp, finalized)
         SELECT n, h, p, to_timestamp(t), n <= $5 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS u(n, h, p, t)`,
        [blocks.map((b) => b.number.toString()), blocks.map((b) => b.hash), blocks.map((b) => b.parentHash), blocks.map((b) => b.timestamp), batch.finalized.toString()],
      );
      await c.query(`UPDATE blocks SET finalized = true WHERE number <= $1 AND NOT finalized`, [batch.finalized.toString()]);
      const count = batch.events.length;
      await c.query(
        `UPDATE indexer_state SET cursor_number = $1, cursor_hash = $2, finalized_number = GREATEST(finalized_number, $3),
           events_applied = events_applied + $4, updated_at = now() WHERE id = 1`,
        [batch.to.number.toString(), batch.to.hash, batch.finalized.toString(), count],
      );
      mark("blocks+cursor");
      await c.query("COMMIT");
      mark("commit");
      if (PROFILE) this.log("batch profile", Object.fromEntries(marks.slice(1).map(([l, t], i) => [l, Math.round(t - marks[i][1])])));
      this.thresholds = thresholds;
      return count;
    } catch (error) {
      await c.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  private async copyHistory(chunks: string[]) {
    const stream = this.client.query(
      copyFrom(
        `COPY point_events (block_number, log_index, transfer_index, tx_hash, timestamp, kind, from_address, to_address, amount, merchant, ref, reward_id, triggered_by) FROM STDIN`,
      ),
    );
    await pipeline(Readable.from(chunks), stream);
  }

  // ------------------------------------------------------------------------------ rollback

  /**
   * Undoes every block above `ancestor` (a reorg): events, derived state, blocks and the cursor.
   * Blocks marked final are undone like the others (the chain is the truth; finality is only the
   * margin the readers are told to trust): the result says so, for the caller to warn.
   */
  async rollback(ancestor: BlockHeader): Promise<RollbackResult> {
    const c = this.client;
    const n = ancestor.number.toString();
    let undidFinal = false;
    await c.query("BEGIN");
    try {
      const { rows } = await c.query(`SELECT finalized_number, cursor_number FROM indexer_state WHERE id = 1 FOR UPDATE`);
      undidFinal = BigInt(rows[0].finalized_number) > ancestor.number;
      // Points: the accounts touched above the ancestor are recomputed from their remaining history.
      const removed = await c.query(
        `DELETE FROM point_events WHERE block_number > $1 RETURNING from_address, to_address, log_index <> transfer_index AS folded`,
        [n],
      );
      const touched = new Set<string>();
      for (const r of removed.rows) {
        if (r.from_address) touched.add(r.from_address);
        if (r.to_address) touched.add(r.to_address);
      }
      const programRemoved = await c.query(`DELETE FROM program_events WHERE block_number > $1 RETURNING name, args`, [n]);
      // A migration of an account without points has no history row, yet moved lifetime earned.
      for (const r of programRemoved.rows) {
        if (r.name === "AccountMigrated") {
          touched.add(r.args.from);
          touched.add(r.args.to);
        }
      }
      // Reward tokens moved above the ancestor: owner from their remaining transfers (none: never minted).
      const nft = await c.query(`DELETE FROM nft_transfers WHERE block_number > $1 RETURNING token_id::text AS t`, [n]);
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
      await this.rebuildSettings();
      if (programRemoved.rowCount) await this.rebuildCatalogAndMerchants();
      else await this.rebuildAllowances();
      if (touched.size) await this.recomputeAccounts([...touched]);
      await c.query(`DELETE FROM blocks WHERE number > $1`, [n]);
      await c.query(
        `UPDATE indexer_state SET cursor_number = $1, cursor_hash = $2, finalized_number = LEAST(finalized_number, $1),
           events_applied = events_applied - $3, updated_at = now() WHERE id = 1`,
        [n, ancestor.hash, (removed.rowCount ?? 0) + (programRemoved.rowCount ?? 0) + (nft.rowCount ?? 0) + countFolded(removed.rows)],
      );
      await c.query("COMMIT");
    } catch (error) {
      await c.query("ROLLBACK").catch(() => {});
      await this.readState().catch(() => {});
      throw error;
    }
    const state = (await this.readState())!;
    return { undidFinal, finalized: state.finalized, eventsApplied: state.eventsApplied };
  }

  /**
   * Recomputes balances, lifetime earned, last activity and tier of `addresses` from the history and
   * the account migrations (lifetime earned moved; the source's last activity carried, one level:
   * a migration into an account without points that had itself received a migration without points
   * carries only its own history's activity).
   */
  async recomputeAccounts(addresses: string[]) {
    await this.client.query(
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
         tier = (SELECT count(*) FROM program_settings p, unnest(p.tier_thresholds) t WHERE p.id = 1 AND t <= s.earned)::int
       FROM s WHERE accounts.address = s.address`,
      [addresses],
    );
    await this.client.query(`DELETE FROM accounts WHERE address = ANY($1::text[]) AND last_activity IS NULL`, [addresses]);
  }

  /** Program settings from the remaining operator events (tiers of every account follow). */
  private async rebuildSettings() {
    const c = this.client;
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
    if (thresholds.join() !== this.thresholds.map(String).join()) {
      await c.query(
        `UPDATE accounts SET tier = x.tier FROM (
           SELECT address, (SELECT count(*) FROM unnest($1::numeric[]) t WHERE t <= lifetime_earned)::int AS tier FROM accounts
         ) x WHERE accounts.address = x.address AND accounts.tier <> x.tier`,
        [thresholds],
      );
    }
  }

  /** Merchants, charities and the reward catalog replayed from the remaining events. */
  private async rebuildCatalogAndMerchants() {
    const c = this.client;
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
      const e = { contract: r.contract === "LoyaltyPoints" ? "points" : "rewards", event: { eventName: r.name, args: reviveArgs(r.args) } } as unknown as DomainEvent;
      for (const q of configStatements(e, (r.timestamp as Date).toISOString())) await c.query(q.text, q.values);
    }
    await c.query(`UPDATE rewards SET minted = (SELECT count(*) FROM reward_tokens t WHERE t.reward_id = rewards.id)`);
    await c.query(
      `UPDATE reward_tokens SET consumed = EXISTS (SELECT 1 FROM program_events WHERE name = 'VoucherConsumed' AND (args->>'tokenId')::numeric = reward_tokens.token_id)`,
    );
    await this.rebuildAllowances();
  }

  /** Each merchant's allowance: the last value set, minus what it issued after that. */
  private async rebuildAllowances() {
    await this.client.query(
      `UPDATE merchants m SET allowance = s.v - COALESCE((
         SELECT sum(p.amount) FROM point_events p WHERE p.kind = 'issuance' AND p.merchant = m.address
           AND (p.block_number, p.log_index) > (s.block_number, s.log_index)), 0)
       FROM (SELECT DISTINCT ON (args->>'merchant') args->>'merchant' AS merchant, (args->>'newAllowance')::numeric AS v, block_number, log_index
             FROM program_events WHERE name = 'IssuanceAllowanceSet' ORDER BY args->>'merchant', block_number DESC, log_index DESC) s
       WHERE m.address = s.merchant`,
    );
  }
}

/**
 * The indexes a large backfill may drop and rebuild: exactly the migrations' definitions (names
 * included), so the schema is the same once they are back. Primary keys and unique indexes stay.
 */
export const SECONDARY_INDEXES: { name: string; ddl: string }[] = [
  // Built in two halves side by side (ensureIndexes): each half gets one of the two address indexes.
  {
    name: "point_events_from_address_block_number_log_index_idx",
    ddl: `CREATE INDEX IF NOT EXISTS "point_events_from_address_block_number_log_index_idx" ON "point_events"("from_address", "block_number" DESC, "log_index" DESC)`,
  },
  { name: "point_events_merchant_timestamp_idx", ddl: `CREATE INDEX IF NOT EXISTS "point_events_merchant_timestamp_idx" ON "point_events"("merchant", "timestamp")` },
  { name: "point_events_timestamp_idx", ddl: `CREATE INDEX IF NOT EXISTS "point_events_timestamp_idx" ON "point_events" USING BRIN ("timestamp")` },
  {
    name: "point_events_to_address_block_number_log_index_idx",
    ddl: `CREATE INDEX IF NOT EXISTS "point_events_to_address_block_number_log_index_idx" ON "point_events"("to_address", "block_number" DESC, "log_index" DESC)`,
  },
  { name: "accounts_balance_idx", ddl: `CREATE INDEX IF NOT EXISTS "accounts_balance_idx" ON "accounts"("balance" DESC)` },
  { name: "accounts_last_activity_idx", ddl: `CREATE INDEX IF NOT EXISTS "accounts_last_activity_idx" ON "accounts"("last_activity")` },
];

const PROFILE = !!process.env.INDEXER_PROFILE;
const ZERO = "0x0000000000000000000000000000000000000000";
const FOLDED = new Set(["PointsIssued", "PointsClawedBack", "PointsRedeemed", "PointsExpired", "PointsDonated"]);

/** A history row that folds a semantic event into its Transfer stands for two logs. */
function countFolded(rows: { folded: boolean }[]) {
  return rows.filter((r) => r.folded).length;
}

const reviveArgs = (args: Record<string, unknown>) => args;

export interface PreparedBatch {
  times: Map<bigint, number>;
  tsOf: (n: bigint) => string;
  history: PointHistoryEvent[];
  programEvents: DomainEvent[];
  nftTransfers: DomainEvent[];
  accounts: Map<string, AccountDelta>;
  migrations: Migration[];
  /** The history rows in COPY text format. */
  copyChunks: string[];
  /** Postgres array literals of the account changes, in `accounts`' key order (hex and digits: no quoting). */
  accountArrays: { addresses: string; balances: string; earned: string; last: string };
}

/**
 * Everything about a batch that needs no database: the history, the per-account changes, the COPY
 * text. The backfill prepares the next range while the current one is being written.
 */
export function prepareBatch(batch: Batch): PreparedBatch {
  const times = new Map<bigint, number>(batch.blocks.map((b) => [b.number, b.timestamp]));
  const isoCache = new Map<bigint, string>();
  const tsOf = (n: bigint) => {
    let s = isoCache.get(n);
    if (!s) {
      const t = times.get(n);
      if (t === undefined) throw new Error(`batch lacks the header of block ${n}`);
      s = iso(t);
      isoCache.set(n, s);
    }
    return s;
  };
  const history = toPointHistory(batch.events);
  const programEvents = batch.events.filter(
    (e) => !(e.event.eventName === "Transfer") && !(e.contract === "points" && FOLDED.has(e.event.eventName)),
  );
  const nftTransfers = batch.events.filter((e) => e.contract === "rewards" && e.event.eventName === "Transfer");
  const N = "\\N";
  const copyChunks: string[] = [];
  let chunk = "";
  for (let i = 0; i < history.length; i++) {
    const r = history[i];
    chunk += `${r.blockNumber}\t${r.logIndex}\t${r.transferIndex}\t${r.txHash}\t${tsOf(r.blockNumber)}\t${r.kind}\t${r.from ?? N}\t${r.to ?? N}\t${r.amount}\t${r.merchant ?? N}\t${r.ref ?? N}\t${r.rewardId ?? N}\t${r.triggeredBy ?? N}\n`;
    if (i % 2000 === 1999) {
      copyChunks.push(chunk);
      chunk = "";
    }
  }
  if (chunk) copyChunks.push(chunk);
  const accounts = aggregateAccounts(history, times);
  const deltas = [...accounts.values()];
  const accountArrays = {
    addresses: `{${[...accounts.keys()].join(",")}}`,
    balances: `{${deltas.map((d) => d.balance).join(",")}}`,
    earned: `{${deltas.map((d) => d.earned).join(",")}}`,
    last: `{${deltas.map((d) => d.last).join(",")}}`,
  };
  const migrations = migrationsOf(batch.events, history, times);
  return { times, tsOf, history, programEvents, nftTransfers, accounts, migrations, copyChunks, accountArrays };
}

/** An AccountMigrated event, with what the store needs to apply it. */
export interface Migration {
  from: string;
  to: string;
  lifetimeEarned: bigint;
  /** The source's last activity within the batch before the migration (seconds), or null. */
  fromLastInBatch: number | null;
}

/**
 * The batch's account migrations, in order. As LoyaltyPoints.migrateAccount does, the target's last
 * activity becomes the later of its own and the source's at that moment: the source's activity
 * before the batch is in its row, its activity in the batch up to the migration is computed here
 * (later events of the source must not count).
 */
export function migrationsOf(events: readonly DomainEvent[], history: readonly PointHistoryEvent[], times: Map<bigint, number>): Migration[] {
  const out: Migration[] = [];
  for (const e of events) {
    if (e.contract !== "points" || e.event.eventName !== "AccountMigrated") continue;
    const { from, to, lifetimeEarned } = e.event.args;
    let last: number | null = null;
    for (const r of history) {
      if (r.blockNumber > e.blockNumber || (r.blockNumber === e.blockNumber && r.transferIndex > e.logIndex)) break;
      if (!isActivity(r) || (r.from !== from && r.to !== from)) continue;
      const t = times.get(r.blockNumber)!;
      if (last === null || t > last) last = t;
    }
    out.push({ from, to, lifetimeEarned, fromLastInBatch: last });
  }
  return out;
}

interface AccountDelta {
  balance: bigint;
  earned: bigint;
  last: number;
}

/**
 * Whether a history row is activity, as LoyaltyPoints stamps it: a nonzero amount between two
 * different parties (mints and burns stamp the member). A zero-point transfer stamps nobody (else
 * anyone could postpone another member's expiry for free), nor does a transfer to oneself (else one
 * point sent to oneself once a year would keep a balance forever).
 */
const isActivity = (r: PointHistoryEvent) => r.amount !== 0n && r.from !== r.to;

/** Per-account change of a batch: balance, lifetime earned, last activity (see isActivity). */
export function aggregateAccounts(history: PointHistoryEvent[], times: Map<bigint, number>) {
  const out = new Map<string, AccountDelta>();
  const get = (a: string) => {
    let d = out.get(a);
    if (!d) out.set(a, (d = { balance: 0n, earned: 0n, last: 0 }));
    return d;
  };
  for (const r of history) {
    // Neither changes a balance nor, on chain, stamps anybody's activity.
    if (!isActivity(r)) continue;
    const t = times.get(r.blockNumber)!;
    if (r.from) {
      const d = get(r.from);
      d.balance -= r.amount;
      if (r.kind === "clawback") d.earned -= r.amount;
      if (t > d.last) d.last = t;
    }
    if (r.to) {
      const d = get(r.to);
      d.balance += r.amount;
      if (r.kind === "issuance") d.earned += r.amount;
      if (t > d.last) d.last = t;
    }
  }
  return out;
}

/** Per merchant: the last allowance set in the batch (if any) and what it issued after it. */
function allowanceChanges(events: DomainEvent[]) {
  const out = new Map<string, { set: bigint | null; spent: bigint }>();
  for (const e of events) {
    if (e.contract !== "points") continue;
    const ev = e.event;
    if (ev.eventName === "IssuanceAllowanceSet") out.set(ev.args.merchant, { set: ev.args.newAllowance, spent: 0n });
    else if (ev.eventName === "PointsIssued") {
      const m = out.get(ev.args.merchant) ?? { set: null, spent: 0n };
      m.spent += ev.args.amount;
      out.set(ev.args.merchant, m);
    }
  }
  return out;
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
