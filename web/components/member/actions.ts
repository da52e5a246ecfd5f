"use client";
/**
 * What a member can do, whatever kind of wallet they have; the member pages do not change.
 * - Custodial ("custodial"): the calls go to the server (app/api/member/*), which checks the
 *   session and the account, signs with the member's key and relays: no wallet, no gas.
 * - Self-custody ("wallet"): the connected EIP-6963 wallet simulates, then signs an ERC-2771
 *   forward request that the platform's relayer submits (POST /api/relay): no gas either. When
 *   this server has no relayer, the wallet sends the transaction itself (and pays its fee).
 */
import { useMemo } from "react";
import type { Address, Hash, Hex, PublicClient } from "viem";
import { encodeFunctionData, stringify } from "viem";
import { useConfig, useConnection } from "wagmi";
import { getPublicClient, signTypedData, simulateContract, switchChain, writeContract } from "wagmi/actions";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes, voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import { estimateForwardedGas, forwardRequestMessage, signedRequest } from "@/lib/custody/forward.ts";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { ApiError } from "@/lib/tx-errors.ts";
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

/** POST JSON (bigint as decimal strings) to one of this site's routes; its error as an ApiError. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stringify(body),
  });
  const data = (await res.json().catch(() => null)) as ({ error?: { code: string; message: string; revertName?: string } & Record<string, unknown> } & T) | null;
  if (!res.ok || !data) throw new ApiError(res.status, data?.error?.code ?? "http_error", data?.error?.message ?? `HTTP ${res.status}`, data?.error?.revertName, data?.error ?? {});
  return data;
}

/** Seconds a self-custody member's forward request stays valid (time to read and sign it). */
const WALLET_FORWARD_TTL = 10 * 60;

export function useMemberActions(session: { address: string; kind: WalletKind }): MemberActions {
  const config = useConfig();
  const chain = useChainInfo();
  const connection = useConnection();
  const connected = connection.status === "connected" ? connection.address : undefined;
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
    const ensureChain = async () => {
      if (connection.chainId !== chain.chainId) await switchChain(config, { chainId: chain.chainId });
    };
    /** Simulated as the member first (the contract's own checks, reasons decoded), then relayed. */
    const send = async (call: { address: Address; abi: typeof loyaltyPointsAbi | typeof rewardNftAbi; functionName: string; args: readonly unknown[] }) => {
      await ensureChain();
      const { request } = await simulateContract(config, { ...call, account } as never);
      const client = getPublicClient(config) as PublicClient;
      const data = encodeFunctionData(call as never);
      const gas = await estimateForwardedGas(client, chain.forwarder, account, { to: call.address, data });
      const message = await forwardRequestMessage(client, chain.forwarder, account, { to: call.address, data, gas }, WALLET_FORWARD_TTL);
      const signature = await signTypedData(config, { account, domain: forwarderDomain(chain.chainId, chain.forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
      try {
        return (await postJson<{ hash: Hash }>("/api/relay", { request: signedRequest(message, signature) })).hash;
      } catch (e) {
        // No relayer on this server: the wallet sends it itself (the signed request is then unused
        // and expires with its deadline).
        if (e instanceof ApiError && (e.status === 404 || e.code === "relayer_unavailable")) return writeContract(config, request as never);
        throw e;
      }
    };
    return {
      kind: "wallet",
      blocked,
      transfer: (to, amount) => send({ address: chain.points, abi: loyaltyPointsAbi, functionName: "transfer", args: [to, amount] }),
      donate: (charity, amount) => send({ address: chain.points, abi: loyaltyPointsAbi, functionName: "donate", args: [charity, amount] }),
      redeem: (rewardId) => send({ address: chain.rewards, abi: rewardNftAbi, functionName: "redeem", args: [rewardId] }),
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
