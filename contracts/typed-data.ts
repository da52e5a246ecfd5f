/**
 * The EIP-712 types the contracts verify, in one place for everyone who signs or checks them (the
 * web app, the seed, the audit, the tests). Each domain binds the chain id and the contract.
 */
import { concat, encodeAbiParameters, keccak256, toHex, type Address, type Hex } from "viem";

/** A holder's consent to use a reward token as a voucher (RewardNFT.consumeVoucher). */
export const voucherUseTypes = {
  VoucherUse: [
    { name: "tokenId", type: "uint256" },
    { name: "holder", type: "address" },
    { name: "merchant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export function voucherDomain(chainId: number, rewardNft: Address) {
  return { name: "RewardNFT", version: "1", chainId, verifyingContract: rewardNft } as const;
}

/** A gasless request relayed by the ERC-2771 forwarder (OpenZeppelin ERC2771Forwarder). */
export const forwardRequestTypes = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
} as const;

export function forwarderDomain(chainId: number, forwarder: Address) {
  return { name: "LoyaltyForwarder", version: "1", chainId, verifyingContract: forwarder } as const;
}

/**
 * A member's consent to move its whole points account to `to` (LoyaltyPoints.migrateAccount).
 * `nonce` is the points contract's `nonces(from)` (the ERC-2612 permit nonce).
 */
export const accountMigrationTypes = {
  AccountMigration: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The points contract's EIP-712 domain (the ERC-2612 permit domain: the token's name, version 1). */
export function accountMigrationDomain(chainId: number, points: Address, tokenName: string) {
  return { name: tokenName, version: "1", chainId, verifyingContract: points } as const;
}

/**
 * A holder's consent to move reward tokens to `to` (RewardNFT.migrateTokens). `tokenIds` is
 * {@link tokenIdsHash} of the ids, in the order passed to the contract; `nonce` is RewardNFT's `nonces(from)`.
 */
export const tokenMigrationTypes = {
  TokenMigration: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "tokenIds", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** RewardNFT's EIP-712 domain (the same as vouchers'). */
export const tokenMigrationDomain = voucherDomain;

/** keccak256(abi.encodePacked(uint256[] ids)): each id as one 32-byte word, in order. */
export function tokenIdsHash(ids: readonly bigint[]): Hex {
  return keccak256(concat(ids.map((id) => toHex(id, { size: 32 }))));
}

/**
 * The issuance ref of a purchase: keccak256(abi.encode(merchant, orderId)). One ref per (merchant,
 * order id), so a retried or concurrent purchase can issue once only, on chain. The only place
 * that computes it.
 */
export function purchaseRef(merchant: Address, orderId: string): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "string" }], [merchant, orderId]));
}
