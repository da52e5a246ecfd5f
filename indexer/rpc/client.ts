/**
 * A small JSON-RPC client over HTTP with batching and typed errors. The indexer needs raw speed
 * (no per-log decoding on the way in), batches of header requests, and to tell a provider's refusal
 * (too many results, range too large) from an unreachable endpoint.
 */
import type { Hex } from "viem";

export interface RawLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: Hex;
  removed?: boolean;
}

export interface RawBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
}

export interface BlockHeader {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
}

/** The endpoint answered with a JSON-RPC error (e.g. a log range too large). */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The endpoint could not be reached or answered garbage (network, timeout, HTTP error). */
export class RpcTransportError extends Error {
  override name = "RpcTransportError";
  constructor(
    message: string,
    /** No answer within the client's time limit (a range too large for the provider, or a hang). */
    readonly timedOut = false,
  ) {
    super(message);
  }
}

export interface RpcClientOptions {
  /** Time limit of each HTTP request (a batch is one request). */
  timeoutMs?: number;
  /** Requests per HTTP batch (providers cap it; Hardhat has no cap). */
  maxBatch?: number;
  /** Aborts the requests in flight (the indexer is stopping). */
  signal?: AbortSignal;
}

/**
 * What of an endpoint may be logged or shown: scheme, host and port. Providers put API keys in the
 * path, the query or the credentials, so none of those ever leaves this process.
 */
export function urlOrigin(url: string) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(unparsable URL)";
  }
}

export const toHeader = (b: RawBlock): BlockHeader => ({
  number: BigInt(b.number),
  hash: b.hash,
  parentHash: b.parentHash,
  timestamp: Number(BigInt(b.timestamp)),
});

export class RpcClient {
  private id = 0;
  readonly timeoutMs: number;
  readonly maxBatch: number;
  /** The endpoint as it may be logged (see urlOrigin). */
  readonly origin: string;
  /** Requests sent, for metrics. */
  requests = 0;
  private readonly endpoint: string;
  private readonly headers: Record<string, string> = { "content-type": "application/json" };
  private readonly secrets: string[] = [];
  private readonly signal?: AbortSignal;
  /** Start times of the requests in flight, to tell a hanging RPC from a hanging database. */
  private readonly inflight = new Map<number, number>();
  private posts = 0;

  constructor(
    readonly url: string,
    options: RpcClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBatch = options.maxBatch ?? 500;
    this.signal = options.signal;
    this.origin = urlOrigin(url);
    // fetch refuses URLs with credentials: they travel as HTTP basic auth, as curl would send them.
    const u = new URL(url);
    if (u.username || u.password) {
      this.headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
      this.secrets.push(u.username, u.password);
      u.username = "";
      u.password = "";
    }
    if (u.pathname.length > 1) this.secrets.push(u.pathname.slice(1));
    if (u.search.length > 1) this.secrets.push(u.search.slice(1));
    this.endpoint = u.toString();
  }

  /** Since when the oldest request in flight has waited (ms, performance.now()), or null. */
  pendingSince(): number | null {
    let oldest: number | null = null;
    for (const t of this.inflight.values()) if (oldest === null || t < oldest) oldest = t;
    return oldest;
  }

  /** Text from the endpoint, with anything of its URL that may be a key cut out (an error page may echo it). */
  private scrub(text: string) {
    let out = text;
    for (const s of this.secrets) if (s.length >= 6) out = out.split(s).join("…");
    return out;
  }

  private async post(body: unknown): Promise<unknown> {
    this.requests++;
    const n = ++this.posts;
    this.inflight.set(n, performance.now());
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
    const failure = (what: string, error: unknown) => {
      if (timeout.aborted) return new RpcTransportError(`RPC ${this.origin} timed out after ${this.timeoutMs} ms`, true);
      if (this.signal?.aborted) return new RpcTransportError(`RPC ${this.origin} request abandoned: stopping`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return new RpcTransportError(`RPC ${this.origin} ${what}: ${this.scrub(cause?.code ?? cause?.message ?? (error as Error).message)}`);
    };
    try {
      let response: Response;
      const send = () => fetch(this.endpoint, { method: "POST", headers: this.headers, body: JSON.stringify(body), signal });
      try {
        response = await send().catch((error) => {
          // A kept-alive connection the server (or a load balancer) closed as it was reused: every
          // request here is a read, so one more try on a fresh connection is safe.
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (signal.aborted || (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET")) throw error;
          return send();
        });
      } catch (error) {
        throw failure("unreachable", error);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw failure("response lost", error);
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new RpcTransportError(`RPC ${this.origin} answered HTTP ${response.status} with non-JSON: ${this.scrub(text.slice(0, 200))}`);
      }
    } finally {
      this.inflight.delete(n);
    }
  }

  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const json = (await this.post({ jsonrpc: "2.0", id: ++this.id, method, params })) as {
      result?: T;
      error?: { code: number; message: string; data?: unknown };
    };
    if (json.error) throw new RpcError(`${method}: ${this.scrub(json.error.message)}`, json.error.code, json.error.data);
    return json.result as T;
  }

  /** Sends the calls in HTTP batches; results in order; any error throws. */
  async batch<T>(calls: { method: string; params: unknown[] }[]): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < calls.length; i += this.maxBatch) {
      const chunk = calls.slice(i, i + this.maxBatch);
      const first = this.id + 1;
      this.id += chunk.length;
      const body = chunk.map((c, k) => ({ jsonrpc: "2.0", id: first + k, method: c.method, params: c.params }));
      const json = await this.post(body);
      if (!Array.isArray(json)) {
        const e = (json as { error?: { code: number; message: string } }).error;
        throw e ? new RpcError(`batch: ${this.scrub(e.message)}`, e.code) : new RpcTransportError(`RPC ${this.origin}: a batch answered with a non-array`);
      }
      const byId = new Map<number, { result?: T; error?: { code: number; message: string; data?: unknown } }>();
      for (const r of json as { id: number }[]) byId.set(Number(r.id), r as never);
      for (let k = 0; k < chunk.length; k++) {
        const r = byId.get(first + k);
        if (!r) throw new RpcTransportError(`RPC ${this.origin}: a batch had no answer for ${chunk[k].method}`);
        if (r.error) throw new RpcError(`${chunk[k].method}: ${this.scrub(r.error.message)}`, r.error.code, r.error.data);
        out.push(r.result as T);
      }
    }
    return out;
  }

  chainId = async () => Number(BigInt(await this.request<Hex>("eth_chainId")));
  blockNumber = async () => BigInt(await this.request<Hex>("eth_blockNumber"));

  async getBlock(n: bigint | "latest"): Promise<BlockHeader | null> {
    const b = await this.request<RawBlock | null>("eth_getBlockByNumber", [typeof n === "bigint" ? `0x${n.toString(16)}` : n, false]);
    return b ? toHeader(b) : null;
  }

  async getBlocks(numbers: bigint[]): Promise<(BlockHeader | null)[]> {
    const raw = await this.batch<RawBlock | null>(
      numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })),
    );
    return raw.map((b) => (b ? toHeader(b) : null));
  }

  getLogs(filter: { address: Hex[]; fromBlock: bigint; toBlock: bigint }): Promise<RawLog[]> {
    return this.request<RawLog[]>("eth_getLogs", [
      { address: filter.address, fromBlock: `0x${filter.fromBlock.toString(16)}`, toBlock: `0x${filter.toBlock.toString(16)}` },
    ]);
  }

  getCode = (address: Hex) => this.request<Hex>("eth_getCode", [address, "latest"]);
}
