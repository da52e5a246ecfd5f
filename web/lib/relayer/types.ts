/**
 * The relayer's public types (web/lib/relayer/index.ts): what callers send it and what it answers.
 * Kept apart from the implementation so that client-free modules (custody, routes, tests) can import
 * them without pulling in the Postgres pool or the key.
 */
import type { Address, Hash, Hex, Log } from "viem";
import { HttpError } from "../edge/errors.ts";

/**
 * A member's signed ERC-2771 request: OpenZeppelin ERC2771Forwarder's ForwardRequestData (the
 * forwarder reads the nonce itself from `nonces(from)`, so it is not part of the struct; the
 * signature covers it through the EIP-712 ForwardRequest of contracts/typed-data.ts).
 */
export interface SignedForwardRequest {
  from: Address;
  to: Address;
  value: bigint;
  gas: bigint;
  /** Unix seconds (uint48). */
  deadline: number;
  data: Hex;
  signature: Hex;
}

export interface RelayedTx {
  /** The relayer_txs row id. */
  id: string;
  hash: Hash;
  status: "confirmed" | "reverted";
  blockNumber: bigint;
  /** From the receipt, when this process saw it mined. */
  gasUsed?: bigint;
  /** The receipt's logs, when this process saw it mined (callers that read events need no second fetch). */
  logs?: Log[];
  revertReason?: string;
}

export type RelayRejectedCode = "not_allowed" | "bad_signature" | "expired" | "would_revert" | "rate_limited" | "budget_exhausted" | "unavailable";

const STATUS: Record<RelayRejectedCode, number> = { not_allowed: 403, bad_signature: 401, expired: 410, would_revert: 422, rate_limited: 429, budget_exhausted: 503, unavailable: 503 };

/** A call the relayer refused to send (nothing was sent, no nonce taken) or could not get mined. */
export class RelayRejectedError extends HttpError {
  override name = "RelayRejectedError";
  constructor(
    override readonly code: RelayRejectedCode,
    message: string,
    /** The custom error's name when a simulation reverted (e.g. "IssuanceAllowanceExceeded"). */
    readonly revertName?: string,
    /** Its decoded arguments, for callers that explain the refusal. */
    readonly revertArgs?: readonly unknown[],
  ) {
    super(STATUS[code], code, message);
  }
}

export interface Relayer {
  readonly address: Address;
  /** A member's signed ERC-2771 forward request, executed through the program's forwarder. */
  forward(request: SignedForwardRequest, opts?: { idempotencyKey?: string; account?: string; ip?: string }): Promise<RelayedTx>;
  /** The relayer's own call (issueFor / clawbackFor / migrateAccount / migrateTokens). */
  call(call: { to: Address; data: Hex; idempotencyKey?: string }): Promise<RelayedTx>;
  /** The transaction stored under an idempotency key, followed to its receipt; null when none was or will be mined. */
  findByKey(idempotencyKey: string): Promise<RelayedTx | null>;
}
