/**
 * The roles an account holds on the program's contract, asked to the chain on each request: a
 * merchant removed from the coalition loses the console at once (a session only says who signed in).
 */
import "server-only";
import type { Address } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { DEFAULT_ADMIN_ROLE, MERCHANT_ROLE } from "../../../contracts/spec/index.ts";
import { deployment } from "../config.ts";
import { chainClient } from "./server.ts";

export interface Roles {
  merchant: boolean;
  /** The programme owner (DEFAULT_ADMIN_ROLE). */
  operator: boolean;
}

export async function rolesOf(account: Address): Promise<Roles> {
  const points = deployment().contracts.LoyaltyPoints.address;
  const client = chainClient();
  const [merchant, operator] = await Promise.all([
    client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [MERCHANT_ROLE, account] }),
    client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [DEFAULT_ADMIN_ROLE, account] }),
  ]);
  return { merchant, operator };
}
