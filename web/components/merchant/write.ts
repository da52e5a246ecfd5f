"use client";
import type { Abi, Hash } from "viem";
import { useI18n } from "@/lib/i18n/client.tsx";
import { loadWallet, useWallet } from "@/lib/wallet/index.ts";
import { useChainInfo } from "@/components/Providers.tsx";

/** Simulate (the chain's own checks, reasons decoded) then send from the merchant's connected wallet (loaded on mount). */
export function useMerchantWrite(merchant: string) {
  const chain = useChainInfo();
  const connected = useWallet(chain, true).address;
  const { t } = useI18n();
  const blocked = !connected ? t("member.connectWallet") : connected.toLowerCase() !== merchant.toLowerCase() ? t("wallet.mismatch") : null;
  async function send(call: { address: `0x${string}`; abi: Abi; functionName: string; args: readonly unknown[] }): Promise<Hash> {
    return (await loadWallet(chain)).write(connected!, call);
  }
  return { blocked, send, chain, connected };
}
