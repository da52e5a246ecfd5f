/**
 * The EIP-712 types the contracts verify, in one place for everyone who signs or checks them (the
 * web app, the seed, the audit, the tests). Each domain binds the chain id and the contract.
 */
import type { Address } from "viem";

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
