/**
 * What the browser may ask the chain through the server's /api/rpc (wagmi's transport): the
 * program's reads, nothing more. The proxy holds the RPC provider's key and is paid per call, so it
 * must not become anyone's free node: calls and gas estimates only to the program's contracts, no
 * state or block overrides (arbitrary code), logs of the program's contracts over a bounded range,
 * blocks without their transactions, receipts and transactions by hash, the chain id and head.
 */
import { getAddress, isAddress, type Address } from "viem";

export const MAX_CALLS = 100;
/** Most blocks one eth_getLogs may span. */
export const MAX_LOG_RANGE = 10_000n;

export interface JsonRpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params: unknown[];
}

const SIMPLE = new Set(["eth_chainId", "net_version", "eth_blockNumber"]);
const HASH = /^0x[0-9a-fA-F]{64}$/;
const BLOCK_TAG = /^(latest|safe|finalized|earliest|pending|0x[0-9a-fA-F]{1,16})$/;

const program = (contracts: readonly Address[], a: unknown) => typeof a === "string" && isAddress(a, { strict: false }) && contracts.includes(getAddress(a));
const blockNumber = (tag: unknown, head: bigint): bigint | null => {
  if (typeof tag !== "string" || !BLOCK_TAG.test(tag)) return null;
  if (tag.startsWith("0x")) return BigInt(tag);
  return tag === "earliest" ? 0n : head;
};

/** Why `call` is refused (null: it may be forwarded). `head` bounds "latest" in log ranges. */
export function refuseCall(call: unknown, contracts: readonly Address[], head: bigint): string | null {
  if (!call || typeof call !== "object" || Array.isArray(call)) return "each call must be a JSON-RPC object";
  const c = call as Partial<JsonRpcCall>;
  if (c.jsonrpc !== "2.0" || typeof c.method !== "string") return "expected JSON-RPC 2.0 calls";
  if (!(c.id === null || typeof c.id === "number" || (typeof c.id === "string" && c.id.length <= 64))) return "bad id";
  const params = c.params === undefined ? [] : c.params;
  if (!Array.isArray(params)) return "params must be a list";
  const method = c.method;
  if (SIMPLE.has(method)) return params.length === 0 ? null : `${method} takes no parameters`;
  switch (method) {
    case "eth_call":
    case "eth_estimateGas": {
      const tx = params[0] as { to?: unknown } | undefined;
      if (!tx || typeof tx !== "object" || !program(contracts, tx.to)) return `${method} only to the program's contracts`;
      if (params.length > 2) return `${method} without state or block overrides`;
      if (params.length === 2 && !(typeof params[1] === "string" && BLOCK_TAG.test(params[1])) && !(params[1] && typeof params[1] === "object")) return "bad block";
      return null;
    }
    case "eth_getLogs": {
      const f = params[0] as { address?: unknown; fromBlock?: unknown; toBlock?: unknown; blockHash?: unknown } | undefined;
      if (params.length !== 1 || !f || typeof f !== "object") return "eth_getLogs takes one filter";
      const addresses = Array.isArray(f.address) ? f.address : [f.address];
      if (!addresses.length || !addresses.every((a) => program(contracts, a))) return "logs of the program's contracts only";
      if (f.blockHash !== undefined) return typeof f.blockHash === "string" && HASH.test(f.blockHash) && f.fromBlock === undefined && f.toBlock === undefined ? null : "bad blockHash";
      const from = blockNumber(f.fromBlock ?? "latest", head);
      const to = blockNumber(f.toBlock ?? "latest", head);
      if (from === null || to === null) return "bad block range";
      return to - from <= MAX_LOG_RANGE ? null : `at most ${MAX_LOG_RANGE} blocks of logs per call`;
    }
    case "eth_getTransactionReceipt":
    case "eth_getTransactionByHash":
      return params.length === 1 && typeof params[0] === "string" && HASH.test(params[0]) ? null : `${method} takes one transaction hash`;
    case "eth_getBlockByNumber":
      return params.length === 2 && blockNumber(params[0], head) !== null && params[1] === false ? null : "blocks without their transactions only";
    default:
      return `method not allowed: ${method.slice(0, 60)}`;
  }
}
