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
}

export interface RpcClientOptions {
  timeoutMs?: number;
  /** Requests per HTTP batch (providers cap it; Hardhat has no cap). */
  maxBatch?: number;
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
  /** Requests sent, for metrics. */
  requests = 0;

  constructor(
    readonly url: string,
    options: RpcClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBatch = options.maxBatch ?? 500;
  }

  private async post(body: unknown): Promise<unknown> {
    let response: Response;
    this.requests++;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new RpcTransportError(`RPC ${this.url} unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text().catch((error: Error) => {
      throw new RpcTransportError(`RPC ${this.url} response lost: ${error.message}`);
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RpcTransportError(`RPC ${this.url} answered HTTP ${response.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    return json;
  }

  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const json = (await this.post({ jsonrpc: "2.0", id: ++this.id, method, params })) as {
      result?: T;
      error?: { code: number; message: string; data?: unknown };
    };
    if (json.error) throw new RpcError(`${method}: ${json.error.message}`, json.error.code, json.error.data);
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
        throw e ? new RpcError(`batch: ${e.message}`, e.code) : new RpcTransportError("batch answered with a non-array");
      }
      const byId = new Map<number, { result?: T; error?: { code: number; message: string; data?: unknown } }>();
      for (const r of json as { id: number }[]) byId.set(Number(r.id), r as never);
      for (let k = 0; k < chunk.length; k++) {
        const r = byId.get(first + k);
        if (!r) throw new RpcTransportError(`batch: no answer for ${chunk[k].method}`);
        if (r.error) throw new RpcError(`${chunk[k].method}: ${r.error.message}`, r.error.code, r.error.data);
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
