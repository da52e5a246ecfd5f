/**
 * The custom errors the programme's contracts can revert with, OpenZeppelin's included, taken
 * from the generated ABIs: a new error in a contract is a new member of ContractErrorName, so a
 * `Record<ContractErrorName, …>` that lacks it fails to compile.
 */
import type { Abi } from "viem";
import { loyaltyForwarderAbi, loyaltyPointsAbi, rewardNftAbi } from "../generated/contracts.ts";

type ErrorNameOf<A extends Abi> = Extract<A[number], { type: "error" }>["name"];

export type LoyaltyPointsErrorName = ErrorNameOf<typeof loyaltyPointsAbi>;
export type RewardNftErrorName = ErrorNameOf<typeof rewardNftAbi>;
export type LoyaltyForwarderErrorName = ErrorNameOf<typeof loyaltyForwarderAbi>;
export type ContractErrorName = LoyaltyPointsErrorName | RewardNftErrorName | LoyaltyForwarderErrorName;

export const CONTRACT_ERROR_NAMES: ReadonlySet<ContractErrorName> = new Set(
  [loyaltyPointsAbi, rewardNftAbi, loyaltyForwarderAbi].flatMap((abi) =>
    (abi as Abi).flatMap((item) => (item.type === "error" ? [item.name as ContractErrorName] : [])),
  ),
);

export const isContractErrorName = (name: string): name is ContractErrorName => CONTRACT_ERROR_NAMES.has(name as ContractErrorName);
