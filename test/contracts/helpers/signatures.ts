/**
 * EIP-712 signatures of the program: ERC-2612 permits, ERC-2771 forward requests, voucher uses,
 * account and token migrations.
 */
import type { Address, Hex, LocalAccount, TypedDataDomain } from "viem";
import type { WalletClient } from "@nomicfoundation/hardhat-viem/types";
import {
  accountMigrationDomain,
  accountMigrationTypes,
  forwardRequestTypes,
  forwarderDomain,
  tokenIdsHash,
  tokenMigrationDomain,
  tokenMigrationTypes,
  voucherDomain,
  voucherUseTypes,
} from "../../../contracts/typed-data.ts";
import { TOKEN_NAME } from "./program.ts";

export type Signer = WalletClient | LocalAccount;

export const CHAIN_ID = 31337;

interface TypedData {
  domain: TypedDataDomain;
  types: Record<string, ReadonlyArray<{ name: string; type: string }>>;
  primaryType: string;
  message: Record<string, unknown>;
}

const isLocal = (signer: Signer): signer is LocalAccount => (signer as LocalAccount).type === "local";

/** Signs typed data with a node-managed wallet (eth_signTypedData_v4) or a local key. */
export async function signTypedData(signer: Signer, typedData: TypedData): Promise<Hex> {
  if (isLocal(signer)) return signer.signTypedData(typedData as never);
  return signer.signTypedData({ account: signer.account, ...typedData } as never);
}

export async function signPermit(
  signer: Signer,
  token: Address,
  message: { owner: Address; spender: Address; value: bigint; nonce: bigint; deadline: bigint },
  domainName = TOKEN_NAME,
): Promise<{ v: number; r: Hex; s: Hex; signature: Hex }> {
  const signature = await signTypedData(signer, {
    domain: { name: domainName, version: "1", chainId: CHAIN_ID, verifyingContract: token },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message,
  });
  const r = `0x${signature.slice(2, 66)}` as Hex;
  const s = `0x${signature.slice(66, 130)}` as Hex;
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return { v, r, s, signature };
}

export type VoucherUse = {
  tokenId: bigint;
  holder: Address;
  merchant: Address;
  nonce: bigint;
  deadline: bigint;
};

export function signVoucher(signer: Signer, rewardNFT: Address, message: VoucherUse, domainName = "RewardNFT") {
  return signTypedData(signer, {
    domain: { ...voucherDomain(CHAIN_ID, rewardNFT), name: domainName },
    types: voucherUseTypes,
    primaryType: "VoucherUse",
    message,
  });
}

export type ForwardRequest = {
  from: Address;
  to: Address;
  value: bigint;
  gas: bigint;
  nonce: bigint;
  deadline: number;
  data: Hex;
};

/** Signs an ERC2771Forwarder ForwardRequest and returns the ForwardRequestData `execute` takes. */
export async function signForwardRequest(
  signer: Signer,
  forwarder: Address,
  request: ForwardRequest,
  domainName = "LoyaltyForwarder",
) {
  const signature = await signTypedData(signer, {
    domain: { ...forwarderDomain(CHAIN_ID, forwarder), name: domainName },
    types: forwardRequestTypes,
    primaryType: "ForwardRequest",
    message: request,
  });
  const { nonce: _nonce, ...rest } = request;
  return { ...rest, signature };
}

export type AccountMigration = { from: Address; to: Address; nonce: bigint; deadline: bigint };

/** `from`'s consent to LoyaltyPoints.migrateAccount (the permit domain of the token). */
export function signAccountMigration(signer: Signer, points: Address, message: AccountMigration, tokenName = TOKEN_NAME) {
  return signTypedData(signer, {
    domain: accountMigrationDomain(CHAIN_ID, points, tokenName),
    types: accountMigrationTypes,
    primaryType: "AccountMigration",
    message,
  });
}

export type TokenMigration = { from: Address; to: Address; tokenIds: readonly bigint[]; nonce: bigint; deadline: bigint };

/** `from`'s consent to RewardNFT.migrateTokens over exactly `tokenIds`, in that order. */
export function signTokenMigration(signer: Signer, rewardNFT: Address, message: TokenMigration) {
  return signTypedData(signer, {
    domain: tokenMigrationDomain(CHAIN_ID, rewardNFT),
    types: tokenMigrationTypes,
    primaryType: "TokenMigration",
    message: { ...message, tokenIds: tokenIdsHash(message.tokenIds) },
  });
}
