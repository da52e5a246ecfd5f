"use client";
/**
 * What a member can do, whatever kind of wallet they have; the member pages do not change.
 * - Custodial ("custodial"): the calls go to the server (app/api/member/*), which checks the
 *   session and the account, signs with the member's key and relays: no wallet, no gas, and no
 *   wallet library downloaded.
 * - Self-custody ("wallet"): the connected EIP-6963 wallet simulates, then signs an ERC-2771
 *   forward request that the platform's relayer submits (POST /api/relay): no gas either. When
 *   this server has no relayer, the wallet sends the transaction itself (and pays its fee). The
 *   wallet libraries load once the page has mounted (lib/wallet).
 */
import { useMemo } from "react";
import type { Address, Hash, Hex } from "viem";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { postJson } from "@/lib/post-json.ts";
import { loadWallet, useWallet } from "@/lib/wallet/index.ts";
import type { VoucherRequest } from "@/lib/wallet/wallet.ts";
import { useChainInfo } from "../Providers.tsx";

export type WalletKind = "wallet" | "custodial";
export type { VoucherRequest };

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
  const chain = useChainInfo();
  const connected = useWallet(chain, session.kind === "wallet").address;
  const account = session.address as Address;

  return useMemo<MemberActions>(() => {
    if (session.kind === "custodial") {
      const act = (path: string, body: unknown) => postJson<{ hash: Hash }>(`/api/member/${path}`, body).then((r) => r.hash);
      return {
        kind: "custodial",
        blocked: null,
        transfer: (to, amount) => act("transfer", { to, amount }),
        donate: (charity, amount) => act("donate", { charity, amount }),
        redeem: (rewardId) => act("redeem", { rewardId }),
        signVoucher: (v) => postJson<{ signature: Hex }>("/api/member/voucher-signature", v).then((r) => r.signature),
      };
    }
    const blocked: MessageKey | null = !connected ? "member.connectWallet" : connected.toLowerCase() !== account.toLowerCase() ? "wallet.mismatch" : null;
    const wallet = () => loadWallet(chain);
    return {
      kind: "wallet",
      blocked,
      transfer: async (to, amount) => (await wallet()).memberCall(account, { contract: "points", functionName: "transfer", args: [to, amount] }),
      donate: async (charity, amount) => (await wallet()).memberCall(account, { contract: "points", functionName: "donate", args: [charity, amount] }),
      redeem: async (rewardId) => (await wallet()).memberCall(account, { contract: "rewards", functionName: "redeem", args: [rewardId] }),
      signVoucher: async (v) => (await wallet()).signVoucher(account, v),
    };
  }, [session.kind, connected, account, chain]);
}
