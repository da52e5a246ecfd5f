/** The programme's contracts on one chain, and the zero address the contracts mint from and burn to. */
import { zeroAddress, type Address } from "viem";
import type { Deployment } from "../deployments.ts";

export interface ProgramAddresses {
  points: Address;
  rewards: Address;
  forwarder: Address;
}

/** The two contracts whose logs are the programme's history (the forwarder's are not). */
export type LoggingAddresses = Pick<ProgramAddresses, "points" | "rewards">;

export const ZERO_ADDRESS: Address = zeroAddress;

export const programAddresses = (deployment: Pick<Deployment, "contracts">): ProgramAddresses => ({
  points: deployment.contracts.LoyaltyPoints.address,
  rewards: deployment.contracts.RewardNFT.address,
  forwarder: deployment.contracts.LoyaltyForwarder.address,
});
