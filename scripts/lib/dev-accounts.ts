/**
 * The local Hardhat node's well-known accounts (public test mnemonic, funded with test ether).
 * Never use them on a real network: their keys are public.
 */
import { mnemonicToAccount, type HDAccount } from "viem/accounts";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const LOCAL_CHAIN_ID = 31337;

/**
 * Roles of the demo program, by index of the Hardhat account that plays them. The expiry keeper
 * signs with the last of `npm run dev`'s 40 funded accounts, far from the members (6 onwards).
 */
export const DEV_ROLES = { operator: 0, relayer: 1, merchants: [2, 3, 4], charity: 5, firstMember: 6, keeper: 39 } as const;

export function devAccount(index: number): HDAccount {
  return mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
}
