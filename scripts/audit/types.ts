/** Shapes shared by the audit's stages. Addresses are lowercase 0x-hex throughout. */
import type { Hex } from "viem";

export type ContractLabel = "LoyaltyPoints" | "RewardNFT";

/** A log as eth_getLogs returns it (hex quantities). */
export interface RawLog {
  address: string;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  /** Not every node returns it; when absent the audit fetches the block headers it needs. */
  blockTimestamp?: Hex;
  removed?: boolean;
}

/** One decoded event of the program, in chain order. */
export interface AuditEvent {
  blockNumber: number;
  blockHash: Hex;
  txHash: Hex;
  txIndex: number;
  logIndex: number;
  /** Block timestamp (seconds) when the node gave it with the log. */
  timestamp?: number;
  contract: ContractLabel;
  name: string;
  // Decoded arguments: addresses lowercase, integers bigint.
  args: Record<string, any>;
}

/** How an event is cited in a discrepancy. */
export interface EventRef {
  event: string;
  contract: ContractLabel;
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
}

export const eventRef = (e: AuditEvent): EventRef => ({
  event: e.name,
  contract: e.contract,
  blockNumber: e.blockNumber,
  logIndex: e.logIndex,
  txHash: e.txHash,
});

/** One thing that does not hold. */
export interface Discrepancy {
  /** Which check: balance, lifetimeEarned, tier, totalSupply, allowance, ref, redemption.cost, … */
  check: string;
  /** The account (member, merchant) or object (reward:<id>, token:<id>, table:<name>) concerned. */
  account: string;
  expected: string;
  found: string;
  message: string;
  events: EventRef[];
}
