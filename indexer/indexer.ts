/**
 * The indexer's main loop: take the writer lock (or wait as a standby), check the mirror follows this
 * chain, backfill to the finalized block, then follow the head. Any transient failure (RPC down,
 * Postgres restarted or the connection killed) ends the session; the next one resumes from the
 * cursor in the database after a backoff. Nothing half-applied survives: batches are transactions.
 */
import type { Hex } from "viem";
import type { Deployment } from "../contracts/deployments.ts";
import type { Logger } from "../scripts/lib/log.ts";
import { UnknownLogError } from "./decode/index.ts";
import { RpcClient, RpcTransportError } from "./rpc/client.ts";
import { ChainMismatchError, DeepReorgError, prepareBatch, Store, type Batch, type ChainIdentity, type Cursor, type PreparedBatch } from "./store/store.ts";
import { AdaptiveRange, backfill, type FetchedRange } from "./sync-historical/backfill.ts";
import { realtimeStep } from "./sync-realtime/realtime.ts";
import { subscribeHeads, wsUrlFor, type HeadSubscription } from "./sync-realtime/heads.ts";
import type { IndexerStatus } from "./server/http.ts";
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
}

/** Errors no retry can fix: the process must say so and exit. */
export class FatalIndexerError extends Error {
  override name = "FatalIndexerError";
}

/** A backfill expected to bring at least this many events drops the secondary indexes while it runs. */
const BULK_MIN_EVENTS = 20_000;

export const isFatal = (e: unknown) =>
  e instanceof ChainMismatchError || e instanceof DeepReorgError || e instanceof FatalIndexerError || e instanceof UnknownLogError;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

/** Checks the RPC serves the deployment's chain and that the contracts are there. */
export async function verifyChain(rpc: RpcClient, d: Deployment): Promise<ChainIdentity> {
  const chainId = await rpc.chainId();
  if (chainId !== d.chainId) {
    throw new FatalIndexerError(`the RPC ${rpc.url} serves chain ${chainId}, the deployment file is for chain ${d.chainId}`);
  }
  const genesis = await rpc.getBlock(0n);
  if (!genesis) throw new FatalIndexerError(`the RPC ${rpc.url} has no block 0`);
  if (genesis.hash !== d.genesisHash) {
    throw new FatalIndexerError(
      `chain ${chainId} at ${rpc.url} has genesis ${genesis.hash}, the deployment was made on genesis ${d.genesisHash} ` +
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
    reorgs: 0, rpcRequests: 0, lastError: null, startedAt: Date.now(),
  };
  readonly rpc: RpcClient;
  private store: Store | null = null;
  private resetPending: boolean;
  private readonly range: AdaptiveRange;
  private readonly waker = new Waker();
  /** Whether the current session applied anything or reached the head (for the backoff). */
  private progressed = false;
  private heads: HeadSubscription | null = null;

  constructor(readonly options: IndexerOptions) {
    this.rpc = new RpcClient(options.rpcUrl, { timeoutMs: 30_000 });
    this.resetPending = options.reset ?? false;
    this.range = new AdaptiveRange(16n, 1n, BigInt(options.maxRangeBlocks ?? 100_000));
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
        if (isFatal(error)) throw error;
        // The backoff grows with consecutive failures; a session that got work done resets it.
        failures = this.progressed ? 1 : failures + 1;
        const delay = Math.min(30_000, 250 * 2 ** Math.min(failures - 1, 7));
        this.status.phase = "retrying";
        this.status.lastError = (error as Error).message;
        log.warn("indexer interrupted, retrying", { error: (error as Error).message, kind: (error as Error).name, retryInMs: delay, attempt: failures });
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
    const store = new Store(options.databaseUrl, (m, f) => log.debug(m, f));
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
    this.status.indexedBlock = cursor.number;
    this.status.eventsApplied = cursor.eventsApplied;
    this.status.finalizedBlock = cursor.finalized;
    const confirmations = BigInt(options.confirmations);
    const addresses = { points: identity.pointsAddress, rewards: identity.rewardsAddress };

    // Backfill to the finalized block.
    let head = await this.rpc.blockNumber();
    this.status.chainHead = head;
    const target = head - confirmations;
    const toBatch = (r: FetchedRange): Batch => ({ fromBlock: r.from, to: r.to, blocks: r.blocks, events: r.events, finalized: target });
    let progress: Progress | null = null;
    if (cursor.number < target) {
      this.status.phase = "backfill";
      progress = new Progress(cursor.number, target, options.progress ?? null, log);
      let indexesChecked = false;
      let lastApplyEnd = performance.now();
      log.info("backfill", { from: (cursor.number + 1n).toString(), to: target.toString() });
      for await (const r of backfill({
        rpc: this.rpc, addresses, from: cursor.number + 1n, to: target, range: this.range,
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

    // Realtime.
    this.status.phase = "realtime";
    log.info("following the chain head", { block: cursor.number.toString(), pollIntervalMs: options.pollIntervalMs });
    const ctx = {
      rpc: this.rpc, store, addresses, confirmations,
      onReorg: (i: { from: bigint; ancestor: bigint; depth: bigint }) => {
        this.status.reorgs++;
        log.warn("reorg: rolled back to the common ancestor", { from: i.from.toString(), ancestor: i.ancestor.toString(), depth: i.depth.toString() });
      },
    };
    while (!signal?.aborted) {
      const step = await realtimeStep(ctx, cursor);
      this.status.chainHead = step.head;
      this.status.rpcRequests = this.rpc.requests;
      if (step.kind === "applied" || step.kind === "reorg") {
        cursor = step.cursor;
        this.noteCursor(cursor);
        if (step.kind === "applied") log.debug("applied", { block: cursor.number.toString(), events: step.events });
        continue; // more may be waiting
      }
      if (step.kind === "retry") log.debug("realtime retry", { reason: step.reason });
      else this.progressed = true;
      if (options.once && step.kind === "idle") return true;
      await this.waker.sleep(options.pollIntervalMs, signal);
    }
    return true;
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
