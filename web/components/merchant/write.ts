"use client";
import type { Abi, Hash } from "viem";
import { useConfig, useConnection } from "wagmi";
import { simulateContract, switchChain, writeContract } from "wagmi/actions";
import { useI18n } from "@/lib/i18n/client.tsx";
import { useChainInfo } from "@/components/Providers.tsx";

/** Simulate (the chain's own checks, reasons decoded) then send from the merchant's connected wallet. */
export function useMerchantWrite(merchant: string) {
  const config = useConfig();
  const chain = useChainInfo();
  const connection = useConnection();
  const { t } = useI18n();
  const connected = connection.status === "connected" ? connection.address : undefined;
  const blocked = !connected ? t("member.connectWallet") : connected.toLowerCase() !== merchant.toLowerCase() ? t("wallet.mismatch") : null;
  async function send(call: { address: `0x${string}`; abi: Abi; functionName: string; args: readonly unknown[] }): Promise<Hash> {
    if (connection.chainId !== chain.chainId) await switchChain(config, { chainId: chain.chainId });
    const { request } = await simulateContract(config, { ...call, account: connected } as never);
    return writeContract(config, request as never);
  }
  return { blocked, send, chain, connected };
}
