/**
 * What a viem error means, for every server module that talks to the chain (the relayer, custody,
 * purchases, the expiry keeper): a network failure to retry, a revert to name with the program's
 * custom error, or a node refusing a signed transaction. No client or key here: safe to import
 * anywhere, tests included.
 */
import { BaseError, HttpRequestError, TimeoutError, decodeErrorResult, type Abi, type Hex } from "viem";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { redactUrls } from "../../../scripts/lib/redact.ts";

const ERRORS_ABI: Abi = [...loyaltyPointsAbi, ...rewardNftAbi, ...loyaltyForwarderAbi].filter((x) => x.type === "error");

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

/** The program's custom error behind a revert (e.g. RefAlreadyUsed and its arguments); null when the error carries no revert data. */
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

/** A one-line message for logs and stored rows: viem's short message, URLs redacted (an RPC's key may sit in its path), 300 characters at most. */
export function shortError(e: unknown): string {
  const m = e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e);
  return redactUrls(m).slice(0, 300);
}

/**
 * What an eth_sendRawTransaction error means: "ok" (the node has it already), "transport" (no
 * answer), "early" (its nonce is ahead of the node's: an earlier nonce of ours has not arrived yet,
 * which an automining node such as Hardhat refuses instead of queueing), or the node's refusal.
 */
export type BroadcastOutcome = "ok" | "transport" | "early" | { error: string; nonceTooLow: boolean };

export function classifyBroadcastError(e: unknown): BroadcastOutcome {
  if (isTransportError(e)) return "transport";
  const message = shortError(e);
  const detail = `${message} ${(e as BaseError).details ?? ""}`.toLowerCase();
  if (/already known|known transaction|already imported/.test(detail)) return "ok";
  if (/nonce too high/.test(detail)) return "early";
  // viem's short message for an RPC error is generic ("Missing or invalid parameters"): the node's own words say why.
  const nodeSaid = e instanceof BaseError && e.details && !message.includes(e.details) ? ` (${redactUrls(e.details).slice(0, 200)})` : "";
  return { error: `${message}${nodeSaid}`, nonceTooLow: /nonce too low|nonce.*(lower|already been used)/.test(detail) };
}
