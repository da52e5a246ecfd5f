/**
 * The indexer's main loop: take the writer lock (or wait as a standby), check the mirror follows this
 * chain, check its newest blocks are still the chain's (rolling back to the common ancestor if the
 * chain reorganised while no one watched), backfill to the finalized block, then follow the head.
 * Any transient failure (RPC down or hanging, Postgres restarted, unreachable or the connection
 * killed) ends the session; the next one resumes from the cursor in the database after a backoff,
 * through the same check. Nothing half-applied survives: batches are transactions.
 */
import type { Hex } from "viem";
import type { Deployment } from "../contracts/deployments.ts";
import type { Logger } from "../scripts/lib/log.ts";
import { UnknownLogError } from "./decode/index.ts";
import { databaseErrorMessage, DEFAULT_DB_TIMEOUT_MS } from "./database/connection.ts";
import { RpcClient, RpcTransportError } from "./rpc/client.ts";
import { ChainMismatchError, DeepReorgError, prepareBatch, Store, type Batch, type ChainIdentity, type Cursor, type PreparedBatch } from "./store/store.ts";
import { AdaptiveRange, backfill, type FetchedRange } from "./sync-historical/backfill.ts";
import { realtimeStep, reconcile, type RealtimeContext, type ReorgInfo } from "./sync-realtime/realtime.ts";
import { subscribeHeads, wsUrlFor, type HeadSubscription } from "./sync-realtime/heads.ts";
import { DEFAULT_READY_POLICY, type IndexerStatus, type ReadyPolicy } from "./server/http.ts";
import { Progress } from "./progress.ts";

export interface IndexerOptions {
  rpcUrl: string;
  databaseUrl: string;
  deployment: Deployment;
  confirmations: number;
  pollIntervalMs: number;
  reset?: boolean;
  /** Erase the mirror only when it follows another chain or deployment (a restarted dev chain). */
  resetOnMismatch?: boolean;
  log: Logger;
  /** A progress bar on this stream during the backfill (a terminal), else periodic JSON logs. */
  progress?: NodeJS.WriteStream | null;
  /** Stop after catching up once (for scripts and tests). */
  once?: boolean;
  signal?: AbortSignal;
  maxRangeBlocks?: number;
  /** A backfill expected to bring at least this many events drops the secondary indexes while it runs. */
  bulkMinEvents?: number;
  /** Websocket for new-head notifications: a URL, "auto" (derived from rpcUrl) or "off". */
  wsUrl?: string;
  /** What /ready demands: a check against a head at most this old, and at most this far behind it. */
  ready?: Partial<ReadyPolicy>;
  /** Time limit of each JSON-RPC request (default 10 s). */
  rpcTimeoutMs?: number;
  /** Time limit of connecting to Postgres and of each statement (default 15 s). */
  dbTimeoutMs?: number;
}

/** Errors no retry can fix: the process must say so and exit. */
export class FatalIndexerError extends Error {
  override name = "FatalIndexerError";
}

/** A backfill expected to bring at least this many events drops the secondary indexes while it runs. */
const BULK_MIN_EVENTS = 20_000;

export const isFatal = (e: unknown) =>
  e instanceof ChainMismatchError || e instanceof DeepReorgError || e instanceof FatalIndexerError || e instanceof UnknownLogError;

/** Waiting time before attempt `attempt + 1` after as many consecutive failures (start-up and sessions alike). */
export const backoffMs = (attempt: number) => Math.min(30_000, 250 * 2 ** Math.min(Math.max(attempt, 1) - 1, 7));

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

/** Checks the RPC serves the deployment's chain and that the contracts are there. */
export async function verifyChain(rpc: RpcClient, d: Deployment): Promise<ChainIdentity> {
  const chainId = await rpc.chainId();
  if (chainId !== d.chainId) {
    throw new FatalIndexerError(`the RPC ${rpc.origin} serves chain ${chainId}, the deployment file is for chain ${d.chainId}`);
  }
  const genesis = await rpc.getBlock(0n);
  if (!genesis) throw new FatalIndexerError(`the RPC ${rpc.origin} has no block 0`);
  if (genesis.hash !== d.genesisHash) {
    throw new FatalIndexerError(
      `chain ${chainId} at ${rpc.origin} has genesis ${genesis.hash}, the deployment was made on genesis ${d.genesisHash} ` +
        "(the node was restarted: deploy again with `npm run deploy`)",
    );
  }
  for (const name of ["LoyaltyPoints", "RewardNFT"] as const) {
    const { address } = d.contracts[name];
    const code = await rpc.getCode(address);
    if (!code || code === "0x") throw new FatalIndexerError(`no contract at ${address} (${name} in the deployment file) on chain ${chainId}`);
  }
  return {
    chainId,
    genesisHash: genesis.hash,
    pointsAddress: d.contracts.LoyaltyPoints.address.toLowerCase() as Hex,
    rewardsAddress: d.contracts.RewardNFT.address.toLowerCase() as Hex,
    startBlock: BigInt(d.startBlock),
  };
}

/** A sleep that a new-head notification cuts short. */
class Waker {
  private wake: (() => void) | null = null;
  notify = () => {
    this.wake?.();
  };
  sleep(ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

export class Indexer {
  readonly status: IndexerStatus = {
    phase: "starting", chainHead: null, indexedBlock: null, finalizedBlock: null, eventsApplied: 0n,
    reorgs: 0, rpcRequests: 0, lastError: null, startedAt: Date.now(), checkedAt: null, checkedHead: null,
  };
  readonly rpc: RpcClient;
  readonly readyPolicy: ReadyPolicy;
  private store: Store | null = null;
  private resetPending: boolean;
  private readonly range: AdaptiveRange;
  private readonly waker = new Waker();
  /** Whether the current session applied anything or reached the head (for the backoff). */
  private progressed = false;
  /** Between realtime steps (sleeping until the next poll), as opposed to waiting on the RPC or the database. */
  private sleeping = false;
  private heads: HeadSubscription | null = null;

  constructor(readonly options: IndexerOptions) {
    this.rpc = new RpcClient(options.rpcUrl, { timeoutMs: options.rpcTimeoutMs ?? 10_000, signal: options.signal });
    this.readyPolicy = { ...DEFAULT_READY_POLICY, ...options.ready };
    this.resetPending = options.reset ?? false;
    this.range = new AdaptiveRange(16n, 1n, BigInt(options.maxRangeBlocks ?? 100_000));
  }

  /**
   * The status as /health and /ready report it. Following the head, a check of the mirror against a
   * fresh head is due every poll: when none completed within the ready policy's age, the indexer is
   * stalled, and lastError says on what, before any timeout has fired.
   */
  report(now = Date.now()): IndexerStatus {
    const s = { ...this.status };
    if (s.phase === "realtime" && s.checkedAt !== null && !this.sleeping && now - s.checkedAt > this.readyPolicy.maxAgeMs) {
      const pending = this.rpc.pendingSince();
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      const on = pending !== null ? `the RPC (a request unanswered for ${seconds(performance.now() - pending)})` : "the database";
      s.lastError ??= `stalled: no check of the mirror against the chain head for ${seconds(now - s.checkedAt)}, waiting on ${on}`;
    }
    return s;
  }

  /** Runs until stopped (signal) or, with `once`, until caught up; rethrows fatal errors. */
  async run(): Promise<void> {
    const { log } = this.options;
    const ws = this.options.wsUrl === "off" ? null : this.options.wsUrl && this.options.wsUrl !== "auto" ? this.options.wsUrl : wsUrlFor(this.options.rpcUrl);
    if (ws) this.heads = subscribeHeads(ws, this.waker.notify, (m, f) => log.debug(m, f));
    try {
      await this.loop();
    } finally {
      this.heads?.close();
    }
  }

  private async loop(): Promise<void> {
    const { log, signal } = this.options;
    let failures = 0;
    while (!signal?.aborted) {
      this.progressed = false;
      try {
        const done = await this.session();
        if (done) return;
      } catch (error) {
        if (signal?.aborted) break;
        if (error instanceof DeepReorgError && this.options.resetOnMismatch) {
          log.warn("the chain was replaced below every block the mirror kept: erasing it (--reset-on-mismatch)", { detail: error.message });
          this.resetPending = true;
          continue;
        }
        if (isFatal(error)) throw error;
        // The backoff grows with consecutive failures; a session that got work done resets it.
        failures = this.progressed ? 1 : failures + 1;
        const delay = backoffMs(failures);
        this.status.phase = "retrying";
        this.status.checkedAt = null;
        const message = databaseErrorMessage(error, this.options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS);
        this.status.lastError = message;
        log.warn("indexer interrupted, retrying", { error: message, kind: (error as Error).name, retryInMs: delay, attempt: failures });
        await sleep(delay, signal);
      } finally {
        await this.store?.close();
        this.store = null;
      }
    }
  }

  /** One connection's life: returns true when `once` is done, throws on any failure. */
  private async session(): Promise<boolean> {
    const { log, signal, options } = { ...this.options, options: this.options };
    const identity = await verifyChain(this.rpc, options.deployment);
    const store = new Store(options.databaseUrl, (m, f) => log.debug(m, f), { timeoutMs: options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS });
    this.store = store;
    await store.connect();
    await store.acquireWriterLock(() => {
      this.status.phase = "standby";
      log.info("another indexer writes to this database: standing by until it stops");
    }, 500, signal);
    if (signal?.aborted) return true;
    log.info("writer lock acquired");
    if (this.resetPending) {
      await store.reset();
      this.resetPending = false;
      log.warn("mirror erased (--reset)");
    }
    let cursor: Cursor;
    try {
      cursor = await store.open(identity);
    } catch (error) {
      if (!(error instanceof ChainMismatchError) || !options.resetOnMismatch) throw error;
      log.warn("the mirror followed another chain or deployment: erasing it (--reset-on-mismatch)", { detail: error.message });
      await store.reset();
      cursor = await store.open(identity);
    }
    const confirmations = BigInt(options.confirmations);
    const addresses = { points: identity.pointsAddress, rewards: identity.rewardsAddress };
    const ctx: RealtimeContext = { rpc: this.rpc, store, addresses, confirmations, onReorg: (i) => this.noteReorg(i) };
    // The chain may have reorganised while this process was stopped or cut off: resume only from a
    // block it still has, exactly as a reorg seen live is handled.
    cursor = await reconcile(ctx, cursor);
    this.status.indexedBlock = cursor.number;
    this.status.eventsApplied = cursor.eventsApplied;
    this.status.finalizedBlock = cursor.finalized;

    // Backfill to the finalized block.
    let head = await this.rpc.blockNumber();
    this.status.chainHead = head;
    const target = head - confirmations;
    const toBatch = (r: FetchedRange): Batch => ({ fromBlock: r.from, parentHash: r.parentHash, to: r.to, blocks: r.blocks, events: r.events, finalized: target });
    let progress: Progress | null = null;
    if (cursor.number < target) {
      this.status.phase = "backfill";
      progress = new Progress(cursor.number, target, options.progress ?? null, log);
      let indexesChecked = false;
      let lastApplyEnd = performance.now();
      log.info("backfill", { from: (cursor.number + 1n).toString(), to: target.toString() });
      for await (const r of backfill({
        rpc: this.rpc, addresses, from: cursor.number + 1n, to: target, parentHash: cursor.hash, range: this.range,
        onShrink: (e, size) => log.debug("eth_getLogs range shrunk", { error: e.message, size: size.toString() }),
        prepare: (r) => prepareBatch(toBatch(r)),
      })) {
        if (signal?.aborted) return true;
        if (!indexesChecked) {
          // The first range tells the density of events: if what remains looks large next to the
          // history already stored, write it without the secondary indexes and rebuild them at the
          // end (ensureIndexes below), which is faster than inserting every row into them.
          indexesChecked = true;
          const blocks = Number(r.to.number - r.from + 1n);
          const expected = (r.logs / blocks) * Number(target - r.from + 1n);
          if (expected >= (options.bulkMinEvents ?? BULK_MIN_EVENTS) && expected >= (await store.estimatedHistoryRows())) {
            await store.dropSecondaryIndexes();
            log.info("large backfill: secondary indexes dropped until it ends", { expectedEvents: Math.round(expected) });
          }
        }
        const applyStart = performance.now();
        const n = await store.apply(toBatch(r), r.prepared as PreparedBatch);
        log.debug("range applied", {
          from: r.from.toString(), to: r.to.number.toString(), logs: r.logs, fetchMs: Math.round(r.ms),
          applyMs: Math.round(performance.now() - applyStart), waitedMs: Math.round(applyStart - lastApplyEnd),
        });
        lastApplyEnd = performance.now();
        cursor = { number: r.to.number, hash: r.to.hash, finalized: target, eventsApplied: cursor.eventsApplied + BigInt(n) };
        this.noteCursor(cursor);
        progress.update(cursor.number, n);
      }
    }
    // Before the realtime phase (so before /ready): indexes dropped by this or a crashed session are rebuilt.
    const t0 = performance.now();
    const rebuilt = await store.ensureIndexes();
    if (rebuilt.length) log.info("secondary indexes rebuilt", { indexes: rebuilt, ms: Math.round(performance.now() - t0) });
    progress?.done();
    // A backfill range is fetched in several requests: a reorg landing between them is found here.
    cursor = await reconcile(ctx, cursor);

    // Realtime.
    this.status.phase = "realtime";
    log.info("following the chain head", { block: cursor.number.toString(), pollIntervalMs: options.pollIntervalMs });
    while (!signal?.aborted) {
      const step = await realtimeStep(ctx, cursor);
      this.status.chainHead = step.head;
      this.status.rpcRequests = this.rpc.requests;
      if (step.kind === "applied" || step.kind === "reorg") {
        cursor = step.cursor;
        this.noteCursor(cursor);
        if (step.kind === "applied") {
          this.noteCheck(step.headAt, step.head);
          log.debug("applied", { block: cursor.number.toString(), events: step.events });
        }
        continue; // more may be waiting
      }
      if (step.kind === "retry") log.debug("realtime retry", { reason: step.reason });
      else {
        // Nothing new on the chain: the database must still answer, and hold what this writer wrote.
        await store.checkCursor(cursor);
        this.noteCheck(step.headAt, step.head);
      }
      if (options.once && step.kind === "idle") return true;
      this.sleeping = true;
      try {
        await this.waker.sleep(options.pollIntervalMs, signal);
      } finally {
        this.sleeping = false;
      }
    }
    return true;
  }

  private noteReorg(i: ReorgInfo) {
    const { log, confirmations } = this.options;
    this.status.reorgs++;
    log.warn("reorg: rolled back to the common ancestor", { from: i.from.toString(), ancestor: i.ancestor.toString(), depth: i.depth.toString(), undidFinal: i.undidFinal });
    if (i.undidFinal && confirmations > 0) {
      log.error("the reorg undid blocks reported final: this chain needs more --confirmations", { confirmations, depth: i.depth.toString() });
    }
  }

  /** The mirror was found to hold `head`'s chain up to the cursor, with `head` asked for at `at`. */
  private noteCheck(at: number, head: bigint) {
    this.progressed = true;
    this.status.checkedAt = at;
    this.status.checkedHead = head;
    this.status.lastError = null;
  }

  private noteCursor(c: Cursor) {
    this.progressed = true;
    this.status.indexedBlock = c.number;
    this.status.finalizedBlock = c.finalized;
    this.status.eventsApplied = c.eventsApplied;
    this.status.rpcRequests = this.rpc.requests;
    this.status.lastError = null;
  }
}

export { RpcTransportError };
