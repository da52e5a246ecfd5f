"use client";
/**
 * What a member can do, whatever kind of wallet they have. Self-custody ("wallet"): the connected
 * EIP-6963 wallet simulates, signs and sends. Custodial ("custodial", issue 5): the same calls go to
 * the server, which signs with the member's key after checking the session; the member pages do
 * not change.
 */
import { useMemo } from "react";
import type { Address, Hash, Hex } from "viem";
import { useConfig, useConnection } from "wagmi";
import { signTypedData, simulateContract, switchChain, writeContract } from "wagmi/actions";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { useChainInfo } from "../Providers.tsx";

export type WalletKind = "wallet" | "custodial";

export interface VoucherRequest {
  tokenId: bigint;
  merchant: Address;
  nonce: bigint;
  deadline: bigint;
}

export interface MemberActions {
  kind: WalletKind;
  /** Null when the member can act now, else why not. */
  blocked: MessageKey | null;
  transfer(to: Address, amount: bigint): Promise<Hash>;
  donate(charity: Address, amount: bigint): Promise<Hash>;
  redeem(rewardId: bigint): Promise<Hash>;
  signVoucher(request: VoucherRequest): Promise<Hex>;
}

export function useMemberActions(session: { address: string; kind: WalletKind }): MemberActions {
  const config = useConfig();
  const chain = useChainInfo();
  const connection = useConnection();
  const connected = connection.status === "connected" ? connection.address : undefined;
  const account = session.address as Address;

  return useMemo<MemberActions>(() => {
    if (session.kind === "custodial") {
      const unavailable = () => Promise.reject(new Error("custodial actions arrive with issue 5"));
      return { kind: "custodial", blocked: "member.custodialSoon", transfer: unavailable, donate: unavailable, redeem: unavailable, signVoucher: unavailable };
    }
    const blocked: MessageKey | null = !connected ? "member.connectWallet" : connected.toLowerCase() !== account.toLowerCase() ? "wallet.mismatch" : null;
    const ensureChain = async () => {
      if (connection.chainId !== chain.chainId) await switchChain(config, { chainId: chain.chainId });
    };
    const send = async (call: Parameters<typeof simulateContract>[1]) => {
      await ensureChain();
      const { request } = await simulateContract(config, { ...call, account } as never);
      return writeContract(config, request as never);
    };
    return {
      kind: "wallet",
      blocked,
      transfer: (to, amount) => send({ address: chain.points, abi: loyaltyPointsAbi, functionName: "transfer", args: [to, amount] } as never),
      donate: (charity, amount) => send({ address: chain.points, abi: loyaltyPointsAbi, functionName: "donate", args: [charity, amount] } as never),
      redeem: (rewardId) => send({ address: chain.rewards, abi: rewardNftAbi, functionName: "redeem", args: [rewardId] } as never),
      signVoucher: async (v) => {
        await ensureChain();
        return signTypedData(config, {
          account,
          domain: voucherDomain(chain.chainId, chain.rewards),
          types: voucherUseTypes,
          primaryType: "VoucherUse",
          message: { tokenId: v.tokenId, holder: account, merchant: v.merchant, nonce: v.nonce, deadline: v.deadline },
        });
      },
    };
  }, [session.kind, connected, account, connection.chainId, chain, config]);
}
