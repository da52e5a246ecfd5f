/** The shapes the store's stages share: what the mirror follows, where it is, and what a batch holds. */
import type { Hex } from "viem";
import type { DomainEvent } from "../decode/index.ts";
import type { BlockHeader } from "../rpc/client.ts";

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

/** What a rollback undid. */
export interface RollbackResult {
  /** Blocks marked final were undone: the chain reorganised deeper than the confirmations. */
  undidFinal: boolean;
  finalized: bigint;
  eventsApplied: bigint;
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

