/**
 * Raw logs → typed events, from the generated ABIs (never a copied ABI). The hot path, the
 * ERC-20 / ERC-721 Transfer, is decoded by hand (three or four topics, one word of data); every
 * other event goes through viem's decodeEventLog.
 */
import { decodeEventLog, toEventSelector, type Abi, type AbiEvent, type Address, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../contracts/generated/contracts.ts";
import type { LoggingAddresses } from "../../contracts/spec/index.ts";
import type { AuditEvent, ContractLabel, RawLog } from "./types.ts";

export const TRANSFER_TOPIC = toEventSelector("Transfer(address,address,uint256)");


export class UndecodableLogError extends Error {
  override name = "UndecodableLogError";
}

const eventsByTopic = (abi: Abi) => {
  const map = new Map<Hex, AbiEvent>();
  for (const item of abi) if (item.type === "event") map.set(toEventSelector(item), item);
  return map;
};
const POINTS_EVENTS = eventsByTopic(loyaltyPointsAbi as Abi);
const REWARDS_EVENTS = eventsByTopic(rewardNftAbi as Abi);

const lower = (value: unknown): unknown => {
  if (typeof value === "string") return value.length === 42 && value.startsWith("0x") ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(lower);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = lower(v);
    return out;
  }
  return value;
};

const lowerAddress = (address: Address) => address.toLowerCase() as Address;
const topicAddress = (topic: Hex) => `0x${topic.slice(26)}`.toLowerCase();

/** `addresses` in lowercase, as the logs are compared. */
export function decodeLog(log: RawLog, addresses: LoggingAddresses): AuditEvent {
  const address = log.address.toLowerCase();
  const contract: ContractLabel | null = address === addresses.points ? "LoyaltyPoints" : address === addresses.rewards ? "RewardNFT" : null;
  const base = {
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    txIndex: Number(log.transactionIndex),
    logIndex: Number(log.logIndex),
    timestamp: log.blockTimestamp ? Number(log.blockTimestamp) : undefined,
  };
  if (!contract) throw new UndecodableLogError(`log of ${address} at ${log.transactionHash}, not a program contract`);
  const topic0 = log.topics[0];
  if (topic0 === TRANSFER_TOPIC) {
    if (contract === "LoyaltyPoints" && log.topics.length === 3) {
      return { ...base, contract, name: "Transfer", args: { from: topicAddress(log.topics[1]), to: topicAddress(log.topics[2]), value: BigInt(log.data) } };
    }
    if (contract === "RewardNFT" && log.topics.length === 4) {
      return { ...base, contract, name: "Transfer", args: { from: topicAddress(log.topics[1]), to: topicAddress(log.topics[2]), tokenId: BigInt(log.topics[3]) } };
    }
  }
  const item = (contract === "LoyaltyPoints" ? POINTS_EVENTS : REWARDS_EVENTS).get(topic0);
  if (!item) throw new UndecodableLogError(`unknown ${contract} event ${topic0} at ${log.transactionHash}#${base.logIndex}`);
  try {
    const decoded = decodeEventLog({ abi: [item], data: log.data, topics: log.topics as [Hex, ...Hex[]], strict: true });
    return { ...base, contract, name: decoded.eventName as string, args: lower(decoded.args) as Record<string, any> };
  } catch (error) {
    throw new UndecodableLogError(`cannot decode ${item.name} at ${log.transactionHash}#${base.logIndex}: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** Decodes logs and sorts them into chain order (block, log index). */
export function decodeLogs(logs: readonly RawLog[], addresses: LoggingAddresses): AuditEvent[] {
  const a: LoggingAddresses = { points: lowerAddress(addresses.points), rewards: lowerAddress(addresses.rewards) };
  const events = logs.filter((l) => !l.removed).map((l) => decodeLog(l, a));
  events.sort((x, y) => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex);
  return events;
}
