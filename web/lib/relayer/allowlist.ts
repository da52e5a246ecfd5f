/**
 * What the relayer agrees to pay gas for: the program's own contracts and a few of their functions.
 * Calldata is decoded with the generated ABIs (not just its 4-byte selector compared), so malformed
 * arguments are refused too. Anything else would let anyone spend the relayer's funds.
 */
import { decodeFunctionData, getAddress, type Abi, type Address, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";

export interface ProgramAddresses {
  points: Address;
  rewards: Address;
  forwarder: Address;
}

/** Members' forwarded requests: their own points and reward tokens, nothing administrative. */
export const FORWARD_ALLOWED = {
  points: ["transfer", "donate"],
  rewards: ["redeem", "transferFrom", "safeTransferFrom"],
} as const;

/** The relayer's own calls: issuing and refunding as a merchant's agent, account migrations. */
export const CALL_ALLOWED = {
  points: ["issueFor", "clawbackFor", "migrateAccount"],
  rewards: ["migrateTokens"],
} as const;

export type Allowed = { ok: true; contract: "points" | "rewards"; functionName: string; args: readonly unknown[] } | { ok: false; reason: string };

/** Whether `data` sent to `to` is one of `allowed`'s functions with well-formed arguments. */
export function checkAllowed(addresses: ProgramAddresses, allowed: { points: readonly string[]; rewards: readonly string[] }, to: Address, data: Hex): Allowed {
  const target = getAddress(to);
  const contract = target === getAddress(addresses.points) ? "points" : target === getAddress(addresses.rewards) ? "rewards" : null;
  if (!contract) return { ok: false, reason: `target ${target} is not a program contract` };
  const abi: Abi = contract === "points" ? loyaltyPointsAbi : rewardNftAbi;
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi, data }) as never;
  } catch {
    return { ok: false, reason: `calldata ${data.slice(0, 10)} is no function of ${contract}` };
  }
  if (!(allowed[contract] as readonly string[]).includes(decoded.functionName)) {
    return { ok: false, reason: `${contract}.${decoded.functionName} is not relayed` };
  }
  return { ok: true, contract, functionName: decoded.functionName, args: decoded.args ?? [] };
}
