/**
 * The Postgres-backed relayer (the server-only singleton is in index.ts; this module takes its
 * dependencies as arguments so tests run it against a real node and a real database).
 *
 * Why it is built this way:
 * - Simulation first (eth_estimateGas, which reverts exactly as the call would): a call that would
 *   revert never takes a nonce, and the caller gets the contract's custom error name.
 * - Nonces come from one row (relayer_accounts) locked FOR UPDATE, so several web servers never hand
 *   out the same nonce. Calls waiting in this process are taken in batches: one database transaction
 *   allocates the batch's nonces and stores every signed transaction (relayer_txs) BEFORE anything is
 *   broadcast, so a crash at any instant leaves either nothing or signed bytes to re-broadcast.
 * - Allocation + broadcast are serialized (a batch is on the node before the next one is signed:
 *   no gaps a node must hold), while receipts are awaited in parallel by one block watcher.
 * - A nonce whose transaction a node refuses (not a transport error) is filled with a 0-value
 *   self-transfer, otherwise every later transaction would wait behind it forever.
 * - Logs are one JSON object per line with hashes, nonces, targets and selectors: never the key,
 *   never signed bytes.
 */
import {
  BaseError,
  HttpRequestError,
  TimeoutError,
  decodeErrorResult,
  encodeFunctionData,
  getAddress,
  keccak256,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { allowAttempt, consumeBudget, creditBudget, readBudget, type Limit } from "../auth/rate-limit.ts";
import { CALL_ALLOWED, FORWARD_ALLOWED, NFT_TRANSFERS, checkAllowed, uselessCall, type ProgramAddresses } from "./allowlist.ts";
import { RelayRejectedError, type RelayedTx, type Relayer, type SignedForwardRequest } from "./types.ts";
import { redactUrls } from "../../../scripts/lib/redact.ts";

export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}
export interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(err?: boolean | Error): void }>;
}

export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export const jsonLog: Log = (level, msg, fields = {}) => {
  const line = JSON.stringify({ t: new Date().toISOString(), level, component: "relayer", msg, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  if (level === "error") console.error(line);
  else console.log(line);
};

export interface RelayerOptions {
  pool: PoolLike;
  client: PublicClient;
  account: LocalAccount;
  chainId: number;
  contracts: ProgramAddresses;
  log?: Log;
  /** Block watcher poll interval (ms). */
  pollMs?: number;
  /** How long a caller waits for its receipt before "unavailable" (the transaction stays tracked). */
  confirmTimeoutMs?: number;
  /** Most calls signed per nonce-allocation transaction. */
  maxBatch?: number;
  /** Transport retries of a broadcast (exponential backoff from 100 ms). */
  retries?: number;
  /**
   * Most forwarded requests relayed per window: per `from` address, per signed-in account and per
   * client address (a new address costs nothing, a new account little, a new client address more).
   * The allowlist says WHAT the relayer pays for; these say how much one party may ask.
   */
  quotas?: Partial<ForwardQuotas>;
  /** Gas the relayer spends on members' forwarded requests per window, all members together. */
  forwardGasBudget?: GasBudget;
  /** Below this balance (wei) the relayer warns in its logs (at most once a minute). */
  lowBalanceWei?: bigint;
}

export interface ForwardQuotas {
  perAddress: Limit;
  perAccount: Limit;
  perIp: Limit;
}

export interface GasBudget {
  maxGas: bigint;
  windowSeconds: number;
}

/** 120 relayed actions per member per hour (far above a shopper's use, far below a drain), 600 per client address. */
export const DEFAULT_QUOTAS: ForwardQuotas = {
  perAddress: { max: 120, windowSeconds: 3600 },
  perAccount: { max: 120, windowSeconds: 3600 },
  perIp: { max: 600, windowSeconds: 3600 },
};

/** 200M gas of members' requests per hour: ~1,000 redemptions, ~3,000 transfers. */
export const DEFAULT_FORWARD_GAS_BUDGET: GasBudget = { maxGas: 200_000_000n, windowSeconds: 3600 };
export const DEFAULT_LOW_BALANCE_WEI = 5n * 10n ** 16n;
/** The longest a forwarded request may stay valid: a wallet signs for 10 minutes, the server for 2. */
export const MAX_FORWARD_VALIDITY_SECONDS = 3600;

/** Who asks for a forwarded request: the quotas count them (the route handlers say). */
export interface ForwardOrigin {
  idempotencyKey?: string;
  /** The signed-in account ("wallet:<address>" or "user:<id>"). */
  account?: string;
  /** The client's address (web/lib/client-ip.ts). */
  ip?: string;
}

const ERRORS_ABI: Abi = [...loyaltyPointsAbi, ...rewardNftAbi, ...loyaltyForwarderAbi].filter((x) => x.type === "error");

interface Pending {
  kind: "call" | "forward";
  to: Address;
  data: Hex;
  gas: bigint;
  idempotencyKey: string | null;
  resolve(tx: RelayedTx): void;
  reject(e: unknown): void;
}

interface Signed {
  p: Pending;
  nonce: bigint;
  raw: Hex;
  hash: Hash;
  id?: string;
}

interface TxRow {
  id: string;
  hash: Hash;
  status: string;
  nonce: string;
  raw: Hex;
  to: string;
  data: Hex;
  kind: string;
  block_number: string | null;
  last_error: string | null;
  idempotency_key: string | null;
}

interface Waiter {
  id: string;
  raw: Hex;
  since: number;
  callers: { resolve(tx: RelayedTx): void; reject(e: unknown): void }[];
  timer?: ReturnType<typeof setTimeout>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A network failure (no answer, timeout, 5xx), as opposed to a node that answered with an error. */
export function isTransportError(e: unknown): boolean {
  if (!(e instanceof BaseError)) return e instanceof TypeError || (e as { code?: string })?.code === "ECONNREFUSED";
  return Boolean(e.walk((x) => x instanceof HttpRequestError || x instanceof TimeoutError));
}

/** The revert data of a failed eth_call / eth_estimateGas, wherever viem nested it. */
function revertData(e: unknown): Hex | undefined {
  let found: Hex | undefined;
  const visit = (x: unknown, depth: number) => {
    if (found || !x || typeof x !== "object" || depth > 8) return;
    const d = (x as { data?: unknown }).data;
    if (typeof d === "string" && /^0x[0-9a-fA-F]{8,}$/.test(d)) found = d as Hex;
    else if (d && typeof d === "object") visit(d, depth + 1);
    visit((x as { cause?: unknown }).cause, depth + 1);
  };
  visit(e, 0);
  return found;
}

export function decodeRevert(e: unknown): { name: string; args: readonly unknown[] } | null {
  const data = revertData(e);
  if (!data) return null;
  try {
    const r = decodeErrorResult({ abi: ERRORS_ABI, data });
    return { name: r.errorName, args: (r.args ?? []) as readonly unknown[] };
  } catch {
    return { name: `unknown(${data.slice(0, 10)})`, args: [] };
  }
}

function shortError(e: unknown): string {
  const m = e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e);
  return redactUrls(m).slice(0, 300);
}

export class PgRelayer implements Relayer {
  readonly address: Address;
  private readonly pool: PoolLike;
  private readonly client: PublicClient;
  private readonly account: LocalAccount;
  private readonly chainId: number;
  private readonly contracts: ProgramAddresses;
  private readonly log: Log;
  private readonly pollMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly maxBatch: number;
  private readonly retries: number;
  private readonly quotas: ForwardQuotas;
  private readonly budget: GasBudget;
  private readonly lowBalanceWei: bigint;
  private lastBalanceCheck = 0;

  private ready: Promise<void> | null = null;
  private queue: Pending[] = [];
  private pumping = false;
  /** The broadcast of the last prepared batch (each one chained after the one before). */
  private broadcasting: Promise<void> = Promise.resolve();
  private watchDone: Promise<void> = Promise.resolve();
  /** Receipt checks started after a broadcast, awaited by stop(). */
  private background = new Set<Promise<void>>();
  private waiters = new Map<Hash, Waiter>();
  private watching = false;
  private lastBlock = 0n;
  private lastSweep = 0;
  private fees: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | null = null;
  private stopped = false;

  constructor(o: RelayerOptions) {
    this.pool = o.pool;
    this.client = o.client;
    this.account = o.account;
    this.address = getAddress(o.account.address);
    this.chainId = o.chainId;
    this.contracts = o.contracts;
    this.log = o.log ?? jsonLog;
    this.pollMs = o.pollMs ?? 50;
    this.confirmTimeoutMs = o.confirmTimeoutMs ?? 60_000;
    this.maxBatch = o.maxBatch ?? 32;
    this.retries = o.retries ?? 4;
    this.quotas = { ...DEFAULT_QUOTAS, ...o.quotas };
    this.budget = o.forwardGasBudget ?? DEFAULT_FORWARD_GAS_BUDGET;
    this.lowBalanceWei = o.lowBalanceWei ?? DEFAULT_LOW_BALANCE_WEI;
  }

  /** Stops the watcher (tests); queued callers are rejected. */
  /** Stops taking calls; resolves once its broadcasts and receipt watcher have finished (tests, shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.queue.splice(0)) p.reject(new RelayRejectedError("unavailable", "the relayer stopped"));
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      for (const c of w.callers) c.reject(new RelayRejectedError("unavailable", "the relayer stopped"));
    }
    this.waiters.clear();
    await Promise.all([this.broadcasting, this.watchDone, ...this.background]);
  }

  // ------------------------------------------------------------------ public API

  async call(call: { to: Address; data: Hex; idempotencyKey?: string }): Promise<RelayedTx> {
    const allowed = checkAllowed(this.contracts, CALL_ALLOWED, call.to, call.data);
    if (!allowed.ok) throw new RelayRejectedError("not_allowed", allowed.reason);
    const useless = uselessCall(allowed.functionName, allowed.args, null);
    if (useless) throw new RelayRejectedError("not_allowed", useless);
    await this.init();
    const existing = call.idempotencyKey ? await this.byKey(call.idempotencyKey) : null;
    if (existing) return this.attach(existing);
    const what = `${allowed.contract}.${allowed.functionName}`;
    const gas = await this.simulate({ to: call.to, data: call.data }, what);
    if (gas > allowed.maxGas) throw new RelayRejectedError("not_allowed", `${what} would need ${gas} gas, more than its cap of ${allowed.maxGas}`);
    return this.enqueue({ kind: "call", to: getAddress(call.to), data: call.data, gas, idempotencyKey: call.idempotencyKey ?? null });
  }

  /**
   * A member's signed request. Refused before anything is signed when it is not an allowed,
   * canonically encoded program call, asks more gas than its function's cap, does nothing (0
   * points, to oneself, someone else's token), hands a reward token to an account with code (a
   * receiver could burn all the gas), carries value or a deadline past or too far away, has a bad
   * signature, exceeds a quota (only counted once the signature verifies, so nobody can use up
   * another's), would revert, or would overrun the hourly gas budget.
   */
  async forward(request: SignedForwardRequest, opts: ForwardOrigin = {}): Promise<RelayedTx> {
    const allowed = checkAllowed(this.contracts, FORWARD_ALLOWED, request.to, request.data);
    if (!allowed.ok) throw new RelayRejectedError("not_allowed", allowed.reason);
    const what = `${allowed.contract}.${allowed.functionName}`;
    if (request.value !== 0n) throw new RelayRejectedError("not_allowed", "forwarded requests carry no value");
    if (request.gas <= 0n || request.gas > allowed.maxGas) throw new RelayRejectedError("not_allowed", `gas of ${what} must be in 1..${allowed.maxGas}`);
    const useless = uselessCall(allowed.functionName, allowed.args, getAddress(request.from));
    if (useless) throw new RelayRejectedError("not_allowed", useless);
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (BigInt(request.deadline) <= now) throw new RelayRejectedError("expired", "the request's deadline has passed");
    if (BigInt(request.deadline) > now + BigInt(MAX_FORWARD_VALIDITY_SECONDS)) {
      throw new RelayRejectedError("not_allowed", `the request's deadline must be within ${MAX_FORWARD_VALIDITY_SECONDS / 60} minutes`);
    }
    await this.init();
    const existing = opts.idempotencyKey ? await this.byKey(opts.idempotencyKey) : null;
    if (existing) return this.attach(existing);
    const forwarder = this.contracts.forwarder;
    const struct = { ...request, from: getAddress(request.from), to: getAddress(request.to), deadline: Number(request.deadline) };
    // verify(): the EIP-712 signature by `from` over the forwarder's current nonce, the deadline, a
    // target that trusts the forwarder. A stale nonce or a forged signature fails here.
    const valid = await this.client
      .readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "verify", args: [struct] })
      .catch((e) => {
        if (isTransportError(e)) throw new RelayRejectedError("unavailable", "the chain is unreachable");
        return false;
      });
    if (!valid) throw new RelayRejectedError("bad_signature", "the request's signature, nonce or target does not verify");
    await this.countQuotas(struct.from, opts);
    if (NFT_TRANSFERS.includes(allowed.functionName)) {
      const code = await this.client.getCode({ address: allowed.args[1] as Address }).catch((e) => {
        throw isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
      });
      if (code && code !== "0x") throw new RelayRejectedError("not_allowed", "reward tokens are relayed only to accounts without code: send it from your own wallet");
    }
    // The inner call as the member would make it: the forwarder would hide its reason (FailedCall).
    try {
      await this.client.call({ account: struct.from, to: struct.to, data: struct.data, gas: struct.gas });
    } catch (e) {
      throw this.simulationError(e, what);
    }
    const data = encodeFunctionData({ abi: loyaltyForwarderAbi, functionName: "execute", args: [struct] });
    const gas = await this.simulate({ to: forwarder, data }, "forwarder.execute");
    // The budget is charged the transaction's gas limit before it is signed, then credited what the
    // receipt shows it did not use.
    const charge = await consumeBudget(this.pool, this.budgetKey(), gas, this.budget);
    if (!charge) throw new RelayRejectedError("budget_exhausted", `the relayer's hourly gas budget for members' actions is spent: try again later`);
    const tx = await this.enqueue({ kind: "forward", to: getAddress(forwarder), data, gas, idempotencyKey: opts.idempotencyKey ?? null });
    if (tx.gasUsed !== undefined && tx.gasUsed < gas) await creditBudget(this.pool, this.budgetKey(), charge, gas - tx.gasUsed).catch(() => {});
    return tx;
  }

  /** Gas of members' requests spent (and reserved) in the current window, for /metrics. */
  async budgetUse(): Promise<{ usedGas: bigint; maxGas: bigint; windowSeconds: number }> {
    const usedGas = await readBudget(this.pool, this.budgetKey(), this.budget);
    return { usedGas, maxGas: this.budget.maxGas, windowSeconds: this.budget.windowSeconds };
  }

  /** Transactions signed and not yet mined (queued or sent), for /metrics. */
  async pendingCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM relayer_txs WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent')`, [this.address.toLowerCase(), this.chainId]);
    return rows[0]!.n;
  }

  private budgetKey() {
    return `relay:gas:${this.chainId}:${this.address.toLowerCase()}`;
  }

  private async countQuotas(from: Address, o: ForwardOrigin) {
    const checks: [string, Limit, string][] = [[`relay:from:${from.toLowerCase()}`, this.quotas.perAddress, "this address"]];
    if (o.account) checks.push([`relay:account:${o.account.toLowerCase()}`, this.quotas.perAccount, "this account"]);
    if (o.ip) checks.push([`relay:ip:${o.ip}`, this.quotas.perIp, "this network address"]);
    for (const [key, limit, who] of checks) {
      if (!(await allowAttempt(this.pool, key, limit))) {
        throw new RelayRejectedError("rate_limited", `at most ${limit.max} relayed actions per ${limit.windowSeconds / 60} minutes from ${who}; try again later`);
      }
    }
  }

  /** Warns when the relayer's ether runs low (checked at most once a minute, after broadcasts). */
  private async checkBalance() {
    if (Date.now() - this.lastBalanceCheck < 60_000) return;
    this.lastBalanceCheck = Date.now();
    try {
      const balance = await this.client.getBalance({ address: this.address });
      if (balance < this.lowBalanceWei) this.log("warn", "relayer balance low: fund it", { address: this.address, balanceWei: balance, thresholdWei: this.lowBalanceWei });
    } catch (e) {
      this.lastBalanceCheck = 0;
      this.log("warn", "balance check failed", { error: shortError(e) });
    }
  }

  // ------------------------------------------------------------------ simulation

  private simulationError(e: unknown, what: string): RelayRejectedError {
    if (isTransportError(e)) return new RelayRejectedError("unavailable", "the chain is unreachable");
    const revert = decodeRevert(e);
    return new RelayRejectedError("would_revert", `${what} would revert${revert ? ` with ${revert.name}` : ""}`, revert?.name, revert?.args);
  }

  private async simulate(tx: { to: Address; data: Hex }, what: string): Promise<bigint> {
    let lastTransport: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const estimate = await this.client.estimateGas({ account: this.address, to: tx.to, data: tx.data });
        // Margin: the state may change a little between simulation and mining (a first-time member
        // costs more than a returning one, a cold slot more than a warm one).
        return (estimate * 125n) / 100n + 10_000n;
      } catch (e) {
        if (!isTransportError(e)) throw this.simulationError(e, what);
        lastTransport = e;
        await sleep(100 * 2 ** attempt);
      }
    }
    throw this.simulationError(lastTransport, what);
  }

  // ------------------------------------------------------------------ start-up and recovery

  private init(): Promise<void> {
    this.ready ??= this.recover().catch((e) => {
      this.ready = null;
      this.log("error", "relayer start failed", { error: shortError(e) });
      throw isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
    });
    return this.ready;
  }

  /**
   * Syncs the nonce row with the chain and settles what a previous process left: receipts of sent
   * transactions, re-broadcast of the ones the node does not know, fillers for nonces that cannot be
   * used. Runs once per process, under the row lock.
   */
  private async recover(): Promise<void> {
    const [genesis, pendingNonce, latestNonce, head] = await Promise.all([
      this.client.getBlock({ blockNumber: 0n }).then((b) => b.hash),
      this.client.getTransactionCount({ address: this.address, blockTag: "pending" }),
      this.client.getTransactionCount({ address: this.address, blockTag: "latest" }),
      this.client.getBlockNumber(),
    ]);
    this.lastBlock = head;
    const me = this.address.toLowerCase();
    const db = await this.pool.connect();
    let release = true;
    try {
      await db.query("BEGIN");
      await db.query(
        `INSERT INTO relayer_accounts (address, chain_id, next_nonce, genesis_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [me, this.chainId, pendingNonce, genesis],
      );
      const { rows } = await db.query<{ next_nonce: string; genesis_hash: string }>(
        `SELECT next_nonce, genesis_hash FROM relayer_accounts WHERE address = $1 AND chain_id = $2 FOR UPDATE`,
        [me, this.chainId],
      );
      let next = BigInt(rows[0]!.next_nonce);
      if (rows[0]!.genesis_hash !== genesis) {
        // A reset local chain: what was sent to the old one never happened on this one.
        const r = await db.query(
          `UPDATE relayer_txs SET status = 'failed', last_error = 'chain reset', updated_at = now() WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent')`,
          [me, this.chainId],
        );
        this.log("warn", "chain reset: nonces re-synced", { abandoned: r.rowCount, nonce: pendingNonce });
        next = BigInt(pendingNonce);
        await db.query(`UPDATE relayer_accounts SET genesis_hash = $3 WHERE address = $1 AND chain_id = $2`, [me, this.chainId, genesis]);
      } else {
        const open = (
          await db.query<TxRow>(
            `SELECT id::text, hash, status, nonce::text, raw, "to", data, kind, block_number::text, last_error, idempotency_key FROM relayer_txs
             WHERE relayer = $1 AND chain_id = $2 AND status IN ('queued', 'sent') ORDER BY nonce, id`,
            [me, this.chainId],
          )
        ).rows;
        const covered = new Set<bigint>();
        for (const tx of open) {
          const receipt = await this.client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
          if (receipt) {
            await this.settle(db, [{ id: tx.id, receipt }]);
            covered.add(BigInt(tx.nonce));
            continue;
          }
          if (BigInt(tx.nonce) < BigInt(latestNonce)) {
            await db.query(`UPDATE relayer_txs SET status = 'failed', last_error = 'nonce used by another transaction', updated_at = now() WHERE id = $1`, [tx.id]);
            continue;
          }
          const result = await this.broadcast(tx.raw);
          if (result === "ok") {
            await db.query(`UPDATE relayer_txs SET status = 'sent', attempts = attempts + 1, updated_at = now() WHERE id = $1`, [tx.id]);
            this.track(tx.hash, tx.id, tx.raw);
            covered.add(BigInt(tx.nonce));
          } else if (result !== "transport") {
            // Refused, e.g. "nonce too low" because another server's copy of it was just mined.
            const mined = await this.client.getTransactionReceipt({ hash: tx.hash }).catch(() => null);
            if (mined) await this.settle(db, [{ id: tx.id, receipt: mined }]);
            else await db.query(`UPDATE relayer_txs SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1`, [tx.id, result.error]);
            if (mined) covered.add(BigInt(tx.nonce));
          } else {
            this.track(tx.hash, tx.id, tx.raw);
            covered.add(BigInt(tx.nonce));
          }
          this.log("info", "recovered transaction", { id: tx.id, hash: tx.hash, nonce: tx.nonce, result: typeof result === "string" ? result : "refused" });
        }
        if (BigInt(pendingNonce) > next) next = BigInt(pendingNonce);
        // Nonces handed out but neither mined nor pending (their transaction was refused or lost):
        // filled, or every later transaction would wait behind the gap.
        for (let n = BigInt(pendingNonce); n < next; n++) {
          if (!covered.has(n)) await this.fill(db, n, "gap found at start");
        }
      }
      await db.query(`UPDATE relayer_accounts SET next_nonce = $3, updated_at = now() WHERE address = $1 AND chain_id = $2`, [me, this.chainId, next]);
      await db.query("COMMIT");
      this.log("info", "relayer ready", { address: this.address, chainId: this.chainId, nextNonce: next });
    } catch (e) {
      await db.query("ROLLBACK").catch(() => {});
      db.release(true);
      release = false;
      throw e;
    } finally {
      if (release) db.release();
    }
    if (this.waiters.size) this.watch();
  }

  // ------------------------------------------------------------------ queue, nonces, broadcast

  private async byKey(key: string): Promise<TxRow | null> {
    const { rows } = await this.pool.query<TxRow>(
      `SELECT id::text, hash, status, nonce::text, raw, "to", data, kind, block_number::text, last_error, idempotency_key FROM relayer_txs WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0] ?? null;
  }

  /** The result of an already-known transaction (same idempotency key): never sent twice. */
  private attach(row: TxRow): Promise<RelayedTx> {
    if (row.status === "confirmed" || row.status === "reverted") {
      return Promise.resolve({
        id: row.id,
        hash: row.hash,
        status: row.status,
        blockNumber: BigInt(row.block_number ?? 0),
        ...(row.last_error ? { revertReason: row.last_error } : {}),
      });
    }
    if (row.status === "failed") return Promise.reject(new RelayRejectedError("unavailable", `transaction ${row.id} failed: ${row.last_error ?? "unknown"}`));
    return new Promise((resolve, reject) => this.track(row.hash, row.id, row.raw, { resolve, reject }));
  }

  private enqueue(p: Omit<Pending, "resolve" | "reject">): Promise<RelayedTx> {
    if (this.stopped) return Promise.reject(new RelayRejectedError("unavailable", "the relayer stopped"));
    return new Promise((resolve, reject) => {
      this.queue.push({ ...p, resolve, reject });
      void this.pump();
    });
  }

  private async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length && !this.stopped) {
        const batch = this.queue.splice(0, this.maxBatch);
        let signed: Signed[];
        try {
          signed = await this.prepareBatch(batch);
        } catch (e) {
          this.log("error", "batch failed before broadcast", { size: batch.length, error: shortError(e) });
          const err = isTransportError(e) ? new RelayRejectedError("unavailable", "the chain is unreachable") : e;
          for (const p of batch) p.reject(err);
          continue;
        }
        // Broadcasts stay in nonce order (each batch after the previous one), but the next batch is
        // signed and stored while this one is on its way to the node: one batch ahead at most.
        const previous = this.broadcasting;
        this.broadcasting = previous.then(() => this.broadcastBatch(signed)).catch((e) => this.log("error", "broadcast failed", { error: shortError(e) }));
        await previous;
      }
    } finally {
      this.pumping = false;
    }
  }

  private async currentFees() {
    if (this.fees && Date.now() - this.fees.at < 5_000) return this.fees;
    const f = await this.client.estimateFeesPerGas();
    this.fees = { at: Date.now(), maxFeePerGas: f.maxFeePerGas * 2n, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    return this.fees;
  }

  private async sign(nonce: bigint, to: Address, data: Hex, gas: bigint): Promise<{ raw: Hex; hash: Hash }> {
    const fees = await this.currentFees();
    const raw = await this.account.signTransaction!({
      chainId: this.chainId,
      type: "eip1559",
      nonce: Number(nonce),
      to,
      data,
      gas,
      value: 0n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw) };
  }

  /** One database transaction: lock the nonce row, sign the batch, store it (broadcast: broadcastBatch). */
  private async prepareBatch(batch: Pending[]): Promise<Signed[]> {
    const me = this.address.toLowerCase();
    const db = await this.pool.connect();
    const signed: Signed[] = [];
    const attached: { p: Pending; row: TxRow }[] = [];
    try {
      await db.query("BEGIN");
      const { rows } = await db.query<{ next_nonce: string }>(`SELECT next_nonce FROM relayer_accounts WHERE address = $1 AND chain_id = $2 FOR UPDATE`, [me, this.chainId]);
      let next = BigInt(rows[0]!.next_nonce);
      // Under the row lock no other server can insert the same key between this check and the insert.
      const keys = batch.map((p) => p.idempotencyKey).filter((k): k is string => k !== null);
      const known = new Map<string, TxRow>();
      if (keys.length) {
        const r = await db.query<TxRow>(
          `SELECT id::text, hash, status, nonce::text, raw, "to", data, kind, block_number::text, last_error, idempotency_key FROM relayer_txs WHERE idempotency_key = ANY($1)`,
          [keys],
        );
        for (const row of r.rows) known.set(row.idempotency_key!, row);
      }
      const seen = new Map<string, Signed>();
      for (const p of batch) {
        const row = p.idempotencyKey ? known.get(p.idempotencyKey) : undefined;
        if (row) {
          attached.push({ p, row });
          continue;
        }
        const twin = p.idempotencyKey ? seen.get(p.idempotencyKey) : undefined;
        if (twin) {
          // Same key twice in one batch: one transaction, both callers answered by it.
          const prev = twin.p;
          twin.p = { ...prev, resolve: (t) => (prev.resolve(t), p.resolve(t)), reject: (e) => (prev.reject(e), p.reject(e)) };
          continue;
        }
        const nonce = next++;
        const s = { p, nonce, ...(await this.sign(nonce, p.to, p.data, p.gas)) };
        signed.push(s);
        if (p.idempotencyKey) seen.set(p.idempotencyKey, s);
      }
      if (signed.length) {
        const ins = await db.query<{ id: string }>(
          `INSERT INTO relayer_txs (idempotency_key, kind, relayer, chain_id, nonce, "to", data, raw, hash, status)
           SELECT k, kind, $1, $2, n, t, d, r, h, 'queued'
           FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS u(k, kind, n, t, d, r, h, ord)
           ORDER BY ord RETURNING id::text`,
          [
            me,
            this.chainId,
            signed.map((s) => s.p.idempotencyKey),
            signed.map((s) => s.p.kind),
            signed.map((s) => s.nonce.toString()),
            signed.map((s) => s.p.to.toLowerCase()),
            signed.map((s) => s.p.data),
            signed.map((s) => s.raw),
            signed.map((s) => s.hash),
          ],
        );
        ins.rows.forEach((r, i) => (signed[i]!.id = r.id));
        await db.query(`UPDATE relayer_accounts SET next_nonce = $3, updated_at = now() WHERE address = $1 AND chain_id = $2`, [me, this.chainId, next]);
      }
      await db.query("COMMIT");
    } catch (e) {
      await db.query("ROLLBACK").catch(() => {});
      db.release(true);
      throw e;
    }
    db.release();
    for (const { p, row } of attached) this.attach(row).then(p.resolve, p.reject);
    // Waiters first: on an automining node the receipt exists before the broadcast even returns.
    for (const s of signed) this.track(s.hash, s.id!, s.raw, { resolve: s.p.resolve, reject: s.p.reject });
    return signed;
  }

  private async broadcastBatch(signed: Signed[]) {
    if (!signed.length) return;
    const results = await Promise.all(signed.map((s) => this.broadcastWithRetry(s.raw)));
    const sent: string[] = [];
    for (const [i, s] of signed.entries()) {
      const r = results[i]!;
      this.log("info", "broadcast", { id: s.id, hash: s.hash, nonce: s.nonce, kind: s.p.kind, to: s.p.to, selector: s.p.data.slice(0, 10), key: s.p.idempotencyKey, result: typeof r === "string" ? r : "refused" });
      if (r === "ok") sent.push(s.id!);
      else if (r !== "transport") await this.refused(s.id!, s.hash, s.nonce, s.p, r);
      // Transport failures stay 'queued': the watcher's sweep re-broadcasts them.
    }
    if (sent.length) await this.pool.query(`UPDATE relayer_txs SET status = 'sent', attempts = attempts + 1, updated_at = now() WHERE id = ANY($1::bigint[]) AND status = 'queued'`, [sent]);
    // An automining node (and a fast L2) has the receipts already: asked at once, in one batched
    // request, instead of waiting for the block watcher's next round. Not awaited: the next batch
    // need not wait for it.
    const check = this.receiptsNow(signed.filter((_, i) => results[i] === "ok").map((s) => s.hash)).then(() => this.checkBalance());
    this.background.add(check);
    void check.finally(() => this.background.delete(check));
  }

  private async receiptsNow(hashes: Hash[]) {
    if (!hashes.length) return;
    try {
      const receipts = await Promise.all(hashes.map((hash) => this.client.getTransactionReceipt({ hash }).catch(() => null)));
      const settled = receipts.flatMap((receipt, i) => {
        const w = receipt ? this.waiters.get(hashes[i]!) : undefined;
        return receipt && w ? [{ id: w.id, receipt }] : [];
      });
      if (settled.length) await this.settle(this.pool, settled);
    } catch (e) {
      this.log("warn", "receipt check failed", { error: shortError(e) });
    }
  }

  /** "ok" (accepted or already known), "transport" (no answer), or the node's refusal. */
  private async broadcast(raw: Hex): Promise<"ok" | "transport" | { error: string; nonceTooLow: boolean }> {
    try {
      await this.client.request({ method: "eth_sendRawTransaction", params: [raw] });
      return "ok";
    } catch (e) {
      if (isTransportError(e)) return "transport";
      const message = shortError(e);
      const detail = `${message} ${(e as BaseError).details ?? ""}`.toLowerCase();
      if (/already known|known transaction|already imported/.test(detail)) return "ok";
      return { error: message, nonceTooLow: /nonce too low|nonce.*(lower|already been used)/.test(detail) };
    }
  }

  private async broadcastWithRetry(raw: Hex) {
    for (let attempt = 0; ; attempt++) {
      const r = await this.broadcast(raw);
      if (r !== "transport" || attempt >= this.retries) return r;
      await sleep(100 * 2 ** attempt);
    }
  }

  /** A node refused a signed transaction: its nonce is filled (or was used), its caller told. */
  private async refused(id: string, hash: Hash, nonce: bigint, p: Pending, r: { error: string; nonceTooLow: boolean }) {
    // "Nonce too low" for our own transaction: already mined (a re-broadcast got there first).
    const mined = r.nonceTooLow ? await this.client.getTransactionReceipt({ hash }).catch(() => null) : null;
    if (mined) return this.settle(this.pool, [{ id, receipt: mined }]);
    this.untrack(hash);
    await this.pool.query(`UPDATE relayer_txs SET status = 'failed', last_error = $2, idempotency_key = NULL, updated_at = now() WHERE id = $1`, [id, r.error]);
    if (r.nonceTooLow) {
      // Something else used this nonce (another signer with the same key): re-sync, then retry once.
      this.log("warn", "nonce used elsewhere, re-synced", { id, nonce });
      const pending = await this.client.getTransactionCount({ address: this.address, blockTag: "pending" });
      await this.pool.query(`UPDATE relayer_accounts SET next_nonce = GREATEST(next_nonce, $3) WHERE address = $1 AND chain_id = $2`, [this.address.toLowerCase(), this.chainId, pending]);
      this.queue.push(p);
      void this.pump();
      return;
    }
    const db = await this.pool.connect();
    try {
      await this.fill(db, nonce, r.error);
    } finally {
      db.release();
    }
    p.reject(new RelayRejectedError("unavailable", `the node refused the transaction: ${r.error}`));
  }

  /** A 0-value self-transfer at `nonce`, so that the transactions after it are not stuck. */
  private async fill(db: Queryable, nonce: bigint, why: string) {
    const { raw, hash } = await this.sign(nonce, this.address, "0x", 21_000n);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO relayer_txs (kind, relayer, chain_id, nonce, "to", data, raw, hash, status, last_error) VALUES ('fill', $1, $2, $3, $4, '0x', $5, $6, 'queued', $7) RETURNING id::text`,
      [this.address.toLowerCase(), this.chainId, nonce, this.address.toLowerCase(), raw, hash, why],
    );
    const r = await this.broadcastWithRetry(raw);
    this.log(r === "ok" ? "warn" : "error", "nonce filled", { id: rows[0]!.id, nonce, hash, why, result: typeof r === "string" ? r : r.error });
    if (r === "ok") {
      await db.query(`UPDATE relayer_txs SET status = 'sent', attempts = 1 WHERE id = $1`, [rows[0]!.id]);
      this.track(hash, rows[0]!.id, raw);
    }
  }

  // ------------------------------------------------------------------ receipts

  private track(hash: Hash, id: string, raw: Hex, caller?: { resolve(tx: RelayedTx): void; reject(e: unknown): void }) {
    let w = this.waiters.get(hash);
    if (!w) {
      w = { id, raw, since: Date.now(), callers: [] };
      this.waiters.set(hash, w);
    }
    if (caller) {
      w.callers.push(caller);
      const t = setTimeout(() => {
        const i = w!.callers.indexOf(caller);
        if (i >= 0) w!.callers.splice(i, 1);
        caller.reject(new RelayRejectedError("unavailable", `transaction ${hash} not mined after ${this.confirmTimeoutMs} ms; it stays tracked`));
      }, this.confirmTimeoutMs);
      t.unref?.();
      const resolve = caller.resolve, reject = caller.reject;
      caller.resolve = (tx) => (clearTimeout(t), resolve(tx));
      caller.reject = (e) => (clearTimeout(t), reject(e));
    }
    this.watch();
  }

  private untrack(hash: Hash) {
    this.waiters.delete(hash);
  }

  private watch() {
    if (this.watching || this.stopped) return;
    this.watching = true;
    this.watchDone = (async () => {
      while (this.waiters.size && !this.stopped) {
        try {
          await this.poll();
        } catch (e) {
          this.log("warn", "receipt poll failed", { error: shortError(e) });
        }
        await sleep(this.pollMs);
      }
      this.watching = false;
      if (this.waiters.size && !this.stopped) this.watch();
    })();
  }

  /** New blocks' transaction hashes against the tracked ones; a sweep for the ones not seen. */
  private async poll() {
    const head = await this.client.getBlockNumber({ cacheTime: 0 });
    const found: Hash[] = [];
    if (head > this.lastBlock) {
      if (head - this.lastBlock <= 64n) {
        const numbers: bigint[] = [];
        for (let b = this.lastBlock + 1n; b <= head; b++) numbers.push(b);
        const blocks = await Promise.all(numbers.map((blockNumber) => this.client.getBlock({ blockNumber })));
        for (const block of blocks) for (const h of block.transactions as Hash[]) if (this.waiters.has(h)) found.push(h);
      } else {
        found.push(...this.waiters.keys());
      }
      this.lastBlock = head;
    }
    const now = Date.now();
    const sweep = now - this.lastSweep > 1_000;
    if (sweep) {
      this.lastSweep = now;
      // Not seen in a block after a second (missed block, reorg, a node that dropped it): asked
      // directly, and re-broadcast when the node does not know it.
      for (const [h, w] of this.waiters) if (now - w.since > 1_000 && !found.includes(h)) found.push(h);
    }
    if (!found.length) return;
    const receipts = await Promise.all(found.map((hash) => this.client.getTransactionReceipt({ hash }).catch(() => null)));
    const settled: { id: string; receipt: TransactionReceipt }[] = [];
    for (const [i, hash] of found.entries()) {
      const receipt = receipts[i];
      const w = this.waiters.get(hash);
      if (!w) continue;
      if (receipt) {
        settled.push({ id: w.id, receipt });
        continue;
      }
      if (sweep && now - w.since > 3_000) {
        const known = await this.client.getTransaction({ hash }).catch(() => null);
        if (!known) {
          const r = await this.broadcast(w.raw);
          this.log("warn", "re-broadcast", { id: w.id, hash, result: typeof r === "string" ? r : r.error });
          if (r === "ok") await this.pool.query(`UPDATE relayer_txs SET status = 'sent', attempts = attempts + 1, updated_at = now() WHERE id = $1 AND status = 'queued'`, [w.id]);
        }
      }
    }
    if (settled.length) await this.settle(this.pool, settled);
  }

  /** Records receipts (one statement) and answers the callers waiting on them. */
  private async settle(db: Queryable, settled: { id: string; receipt: TransactionReceipt }[]) {
    const reasons = await Promise.all(settled.map(({ receipt }) => (receipt.status === "reverted" ? this.revertReason(receipt) : Promise.resolve(null))));
    await db.query(
      `UPDATE relayer_txs AS t SET status = u.s, block_number = u.b, last_error = COALESCE(u.e, t.last_error), updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS u(id, s, b, e) WHERE t.id = u.id`,
      [
        settled.map((s) => s.id),
        settled.map((s) => (s.receipt.status === "success" ? "confirmed" : "reverted")),
        settled.map((s) => s.receipt.blockNumber.toString()),
        reasons,
      ],
    );
    for (const [i, { id, receipt }] of settled.entries()) {
      const w = this.waiters.get(receipt.transactionHash);
      this.waiters.delete(receipt.transactionHash);
      const tx: RelayedTx = {
        id,
        hash: receipt.transactionHash,
        status: receipt.status === "success" ? "confirmed" : "reverted",
        blockNumber: receipt.blockNumber,
        gasUsed: receipt.gasUsed,
        ...(reasons[i] ? { revertReason: reasons[i]! } : {}),
      };
      if (receipt.status !== "success") this.log("warn", "reverted on chain", { id, hash: receipt.transactionHash, reason: reasons[i] });
      for (const c of w?.callers ?? []) c.resolve(tx);
    }
  }

  /** Why a mined transaction reverted: the same call replayed on the state just before its block. */
  private async revertReason(receipt: TransactionReceipt): Promise<string> {
    try {
      const tx = await this.client.getTransaction({ hash: receipt.transactionHash });
      await this.client.call({ account: tx.from, to: tx.to!, data: tx.input, gas: tx.gas, blockNumber: receipt.blockNumber - 1n });
      return "reverted";
    } catch (e) {
      return decodeRevert(e)?.name ?? "reverted";
    }
  }
}
