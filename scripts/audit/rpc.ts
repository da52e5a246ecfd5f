/**
 * A minimal JSON-RPC client for the audit: single calls and JSON-RPC batches (an array of requests
 * in one HTTP POST; no multicall contract, so it works on any EVM node), a few in flight at once.
 * Transport failures (node down, wrong URL, timeouts) and node errors are kept apart, because the
 * audit reports the first as "cannot audit" and can adapt to the second (eth_getLogs limits).
 */
export class RpcUnreachableError extends Error {
  override name = "RpcUnreachableError";
}

export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message} (code ${code})`);
  }
}

export interface RpcRequest {
  method: string;
  params: unknown[];
}

type RpcReply = { id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } };

export interface RpcOptions {
  /** Requests per HTTP batch. */
  batchSize?: number;
  /** HTTP requests in flight at once. */
  concurrency?: number;
  timeoutMs?: number;
  retries?: number;
}

export class Rpc {
  requests = 0;
  readonly batchSize: number;
  readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private nextId = 1;

  constructor(
    readonly url: string,
    options: RpcOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.concurrency = options.concurrency ?? 4;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retries = options.retries ?? 2;
  }

  private async post(body: unknown): Promise<unknown> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      this.requests += 1;
      let response: Response;
      try {
        response = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        lastError = new RpcUnreachableError(
          `cannot reach the RPC at ${this.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        );
        continue;
      }
      const text = await response.text();
      if (response.status === 429 || response.status >= 500) {
        lastError = new RpcUnreachableError(`the RPC at ${this.url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
        continue;
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new RpcUnreachableError(`the RPC at ${this.url} answered HTTP ${response.status} with something that is not JSON-RPC: ${text.slice(0, 200)}`);
      }
    }
    throw lastError;
  }

  /** One call; a node error becomes an RpcError. */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const reply = (await this.post({ jsonrpc: "2.0", id: this.nextId++, method, params })) as RpcReply;
    if (Array.isArray(reply) || typeof reply !== "object" || reply === null) {
      throw new RpcUnreachableError(`the RPC at ${this.url} gave a malformed answer to ${method}`);
    }
    if (reply.error) throw new RpcError(method, reply.error.code, reply.error.message, reply.error.data);
    return reply.result as T;
  }

  /**
   * Many calls in JSON-RPC batches, `concurrency` batches in flight. Results in request order;
   * any node error throws (use `settle` to keep them).
   */
  async batch<T = unknown>(requests: readonly RpcRequest[]): Promise<T[]> {
    const settled = await this.settle<T>(requests);
    return settled.map((r, i) => {
      if ("error" in r) throw r.error;
      return r.result;
    });
  }

  /** Like `batch`, but each result is `{ result }` or `{ error }`. */
  async settle<T = unknown>(requests: readonly RpcRequest[]): Promise<({ result: T } | { error: RpcError })[]> {
    const out: ({ result: T } | { error: RpcError })[] = new Array(requests.length);
    const chunks: number[] = [];
    for (let i = 0; i < requests.length; i += this.batchSize) chunks.push(i);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const start = chunks[next++];
        const slice = requests.slice(start, start + this.batchSize);
        const base = this.nextId;
        this.nextId += slice.length;
        const body = slice.map((r, i) => ({ jsonrpc: "2.0", id: base + i, method: r.method, params: r.params }));
        const replies = await this.post(body);
        if (!Array.isArray(replies)) {
          const e = (replies as RpcReply)?.error;
          throw new RpcError(slice[0].method, e?.code ?? -1, `the RPC at ${this.url} refused a JSON-RPC batch: ${e?.message ?? "not an array"}`);
        }
        for (const reply of replies as RpcReply[]) {
          const i = reply.id - base;
          if (!(i >= 0 && i < slice.length)) continue;
          out[start + i] = reply.error
            ? { error: new RpcError(slice[i].method, reply.error.code, reply.error.message, reply.error.data) }
            : { result: reply.result as T };
        }
        for (let i = 0; i < slice.length; i++) {
          if (!out[start + i]) out[start + i] = { error: new RpcError(slice[i].method, -1, "no answer in the batch") };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
    return out;
  }
}

export const toHex = (n: bigint | number) => `0x${n.toString(16)}`;
