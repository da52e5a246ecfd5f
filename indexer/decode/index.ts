/**
 * Logs of the program's contracts → typed domain events, and the points history built from them.
 * Pure and synchronous: the indexer, the audit CLI and the web app share it. ABIs come from the
 * generated contracts module (never copied by hand). Addresses come out lowercase.
 *
 * The hot event (the ERC-20 Transfer) is decoded by hand, the rest through viem.
 */
import { decodeEventLog, toEventSelector, type AbiEvent, type DecodeEventLogReturnType, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { ZERO_ADDRESS, type LoggingAddresses, type PointEventKind } from "../../contracts/spec/index.ts";

export type PointsContractEvent = DecodeEventLogReturnType<typeof loyaltyPointsAbi>;
export type RewardsContractEvent = DecodeEventLogReturnType<typeof rewardNftAbi>;

/** Where a log comes from. */
export interface LogPosition {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  txHash: Hex;
}

export type DomainEvent = LogPosition &
  ({ contract: "points"; event: PointsContractEvent } | { contract: "rewards"; event: RewardsContractEvent });

/** The log shape of JSON-RPC (hex quantities) or of viem (bigint/number); both are accepted. */
export interface LogLike {
  address: string;
  topics: readonly Hex[];
  data: Hex;
  blockNumber: Hex | bigint | null;
  blockHash: Hex | null;
  transactionHash: Hex | null;
  logIndex: Hex | number | null;
}

export class UnknownLogError extends Error {
  override name = "UnknownLogError";
}

const TRANSFER_TOPIC = toEventSelector("Transfer(address,address,uint256)");

/** topic0 → the one-event ABI that decodes it (viem then hashes one signature per log, not the whole ABI's). */
const selectors = (abi: readonly unknown[]) =>
  new Map((abi as AbiEvent[]).filter((item) => item.type === "event").map((item) => [toEventSelector(item), [item] as const]));
const pointsTopics = selectors(loyaltyPointsAbi);
const rewardsTopics = selectors(rewardNftAbi);
const POINTS_ISSUED_TOPIC = toEventSelector("PointsIssued(address,address,bytes32,uint256)");

const topicAddress = (topic: Hex) => `0x${topic.slice(26)}`.toLowerCase() as Hex;
const lowerAddresses = <T extends Record<string, unknown>>(args: T): T => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = typeof v === "string" && v.length === 42 && v.startsWith("0x") ? v.toLowerCase() : v;
  return out as T;
};

const num = (v: Hex | bigint | number | null, what: string): bigint => {
  if (v === null) throw new UnknownLogError(`log without ${what} (pending logs are not indexed)`);
  return typeof v === "bigint" ? v : BigInt(v);
};

/** Decodes one log of the program; throws UnknownLogError for a log it does not know. */
/** `addresses` in lowercase, as the logs are compared. */
export function decodeLog(log: LogLike, addresses: LoggingAddresses): DomainEvent {
  const position: LogPosition = {
    blockNumber: num(log.blockNumber, "block number"),
    blockHash: log.blockHash as Hex,
    logIndex: Number(num(log.logIndex, "log index")),
    txHash: log.transactionHash as Hex,
  };
  const address = log.address.toLowerCase();
  const topic0 = log.topics[0];
  if (address === addresses.points) {
    if (topic0 === TRANSFER_TOPIC && log.topics.length === 3) {
      const event = {
        eventName: "Transfer",
        args: { from: topicAddress(log.topics[1]), to: topicAddress(log.topics[2]), value: BigInt(log.data) },
      } as PointsContractEvent;
      return { ...position, contract: "points", event };
    }
    // The other hot event (one per member of an issueBatch): three topics and one word of data.
    if (topic0 === POINTS_ISSUED_TOPIC && log.topics.length === 4 && log.data.length === 66) {
      const event = {
        eventName: "PointsIssued",
        args: { merchant: topicAddress(log.topics[1]), member: topicAddress(log.topics[2]), ref: log.topics[3].toLowerCase() as Hex, amount: BigInt(log.data) },
      } as PointsContractEvent;
      return { ...position, contract: "points", event };
    }
    const abi = topic0 ? pointsTopics.get(topic0) : undefined;
    if (!abi) throw new UnknownLogError(`unknown LoyaltyPoints log ${topic0} at ${position.txHash}`);
    const event = decodeEventLog({ abi: abi as unknown as typeof loyaltyPointsAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
    return { ...position, contract: "points", event: { ...event, args: lowerAddresses(event.args as never) } as PointsContractEvent };
  }
  if (address === addresses.rewards) {
    if (topic0 === TRANSFER_TOPIC && log.topics.length === 4) {
      const event = {
        eventName: "Transfer",
        args: { from: topicAddress(log.topics[1]), to: topicAddress(log.topics[2]), tokenId: BigInt(log.topics[3]) },
      } as RewardsContractEvent;
      return { ...position, contract: "rewards", event };
    }
    const abi = topic0 ? rewardsTopics.get(topic0) : undefined;
    if (!abi) throw new UnknownLogError(`unknown RewardNFT log ${topic0} at ${position.txHash}`);
    const event = decodeEventLog({ abi: abi as unknown as typeof rewardNftAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
    return { ...position, contract: "rewards", event: { ...event, args: lowerAddresses(event.args as never) } as RewardsContractEvent };
  }
  throw new UnknownLogError(`log of ${address}, which is not a program contract`);
}

/** Decodes logs (in chain order); logs of other contracts are errors, not silently skipped. */
export function decodeLogs(logs: readonly LogLike[], addresses: LoggingAddresses): DomainEvent[] {
  const a: LoggingAddresses = { points: addresses.points.toLowerCase() as Hex, rewards: addresses.rewards.toLowerCase() as Hex };
  return logs.map((log) => decodeLog(log, a));
}

// ------------------------------------------------------------------ points history

export type { PointEventKind };

/**
 * One user-visible points event. Every ERC-20 Transfer log is exactly one of these: a mint or burn
 * (or a donation's transfer) folds into the event that explains it, which the contract emits after
 * it in the same transaction; any other transfer is a `transfer`. Balances are Σ amount over `to` minus over `from`.
 */
export interface PointHistoryEvent extends LogPosition {
  /** Log index of the Transfer this event accounts for. */
  transferIndex: number;
  kind: PointEventKind;
  /** null for a mint */
  from: Hex | null;
  /** null for a burn */
  to: Hex | null;
  amount: bigint;
  merchant: Hex | null;
  ref: Hex | null;
  rewardId: bigint | null;
  triggeredBy: Hex | null;
}

const FOLDS: Record<string, PointEventKind> = {
  PointsIssued: "issuance",
  PointsClawedBack: "clawback",
  PointsRedeemed: "redemption",
  PointsExpired: "expiry",
  PointsDonated: "donation",
};

/**
 * Builds the points history from decoded events (in chain order, whole transactions). A semantic
 * event (PointsIssued…) without its Transfer right before it is an error: the logs are incomplete.
 */
export function toPointHistory(events: readonly DomainEvent[]): PointHistoryEvent[] {
  const out: PointHistoryEvent[] = [];
  let pending: (PointHistoryEvent & { _open: true }) | null = null;
  const flush = () => {
    if (pending) {
      const { _open, ...row } = pending;
      void _open;
      out.push(row);
      pending = null;
    }
  };
  for (const e of events) {
    if (e.contract !== "points") continue;
    const ev = e.event;
    if (ev.eventName === "Transfer") {
      flush();
      const from = ev.args.from === ZERO_ADDRESS ? null : (ev.args.from as Hex);
      const to = ev.args.to === ZERO_ADDRESS ? null : (ev.args.to as Hex);
      pending = {
        blockNumber: e.blockNumber, blockHash: e.blockHash, logIndex: e.logIndex, txHash: e.txHash, transferIndex: e.logIndex,
        kind: "transfer", from, to, amount: ev.args.value, merchant: null, ref: null, rewardId: null, triggeredBy: null, _open: true,
      };
      continue;
    }
    const kind = FOLDS[ev.eventName];
    if (!kind) continue;
    // The Transfer it explains is the last unexplained one of the same transaction (a clawback
    // emits IssuanceAllowanceSet in between).
    const p = pending as (PointHistoryEvent & { _open: true }) | null;
    if (!p || p.txHash !== e.txHash) {
      throw new UnknownLogError(`${ev.eventName} at ${e.txHash}#${e.logIndex} without the Transfer before it`);
    }
    const row: PointHistoryEvent = { ...p, logIndex: e.logIndex, kind };
    const a = ev.args as Record<string, unknown>;
    if (kind === "issuance" || kind === "clawback") {
      row.merchant = a.merchant as Hex;
      row.ref = a.ref as Hex;
    } else if (kind === "redemption") {
      row.rewardId = a.rewardId as bigint;
    } else if (kind === "expiry") {
      row.triggeredBy = a.triggeredBy as Hex;
    }
    pending = null;
    delete (row as Partial<{ _open: true }>)._open;
    out.push(row);
  }
  flush();
  return out;
}

// The store imports the tier rule from here; it lives in the contracts' spec.
export { tierFor } from "../../contracts/spec/index.ts";
export { TRANSFER_TOPIC };
