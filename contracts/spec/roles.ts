/**
 * The access-control roles of LoyaltyPoints (RewardNFT reads the same roles from it): the
 * `bytes32 public constant`s of the contract, computed once here instead of read from the chain.
 */
import { keccak256, toHex, zeroHash, type Hex } from "viem";

const role = (name: string): Hex => keccak256(toHex(name));

/** OpenZeppelin AccessControl's admin role (bytes32 0): the operator. */
export const DEFAULT_ADMIN_ROLE: Hex = zeroHash;
/** Onboarded shops: issue points, create rewards. */
export const MERCHANT_ROLE = role("MERCHANT_ROLE");
/** Pauses and unpauses the programme. */
export const PAUSER_ROLE = role("PAUSER_ROLE");
/** Burns points for redemptions: the reward catalog only. */
export const REDEEMER_ROLE = role("REDEEMER_ROLE");
/** Moves a custodial member's account and tokens to its own wallet: the platform's relayer. */
export const MIGRATOR_ROLE = role("MIGRATOR_ROLE");

export const ROLES = { DEFAULT_ADMIN_ROLE, MERCHANT_ROLE, PAUSER_ROLE, REDEEMER_ROLE, MIGRATOR_ROLE } as const;
export type RoleName = keyof typeof ROLES;
