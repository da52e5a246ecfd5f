"use client";
/**
 * The life of a write, shown to the person: signing → pending (sent) → confirmed (mined) →
 * indexed (the mirror has the block), after which the page's data refreshes without a reload.
 * The receipt is polled from the server's read-only /api/rpc (no wallet library needed: a
 * custodial member's writes are relayed by the server).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import type { Hash } from "viem";
import { useI18n } from "@/lib/i18n/client.tsx";
import { describeError } from "@/lib/tx-errors.ts";

export type TxState =
  | { step: "idle" }
  | { step: "signing" }
  | { step: "pending"; hash: Hash }
  | { step: "confirmed"; hash: Hash; block: bigint }
  | { step: "indexed"; hash: Hash; block: bigint }
  | { step: "failed"; message: string; hash?: Hash };

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

export async function waitIndexed(block: bigint, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await fetch(`/api/indexed?block=${block}`, { cache: "no-store" }).then((x) => x.json()).catch(() => null);
    if (r?.indexed) return true;
    await sleep(400);
  }
  return false;
}

/** The transaction's receipt once mined (polled through /api/rpc), or null after `timeoutMs`. */
export async function waitReceipt(hash: Hash, timeoutMs = 180_000, intervalMs = 300): Promise<{ success: boolean; block: bigint } | null> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const answer = await fetch("/api/rpc", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getTransactionReceipt", params: [hash] }),
      cache: "no-store",
    })
      .then((r) => (r.ok ? (r.json() as Promise<{ result?: { status?: string; blockNumber?: string } | null }>) : null))
      .catch(() => null);
    const receipt = answer?.result;
    if (receipt?.blockNumber) return { success: receipt.status === "0x1", block: BigInt(receipt.blockNumber) };
    await sleep(intervalMs);
  }
  return null;
}

export function useTxFlow() {
  const { t } = useI18n();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [state, setState] = useState<TxState>({ step: "idle" });
  const busy = useRef(false);

  const run = useCallback(
    async (send: () => Promise<Hash>, onIndexed?: () => void): Promise<boolean> => {
      if (busy.current) return false;
      busy.current = true;
      let hash: Hash | undefined;
      try {
        setState({ step: "signing" });
        hash = await send();
        setState({ step: "pending", hash });
        const receipt = await waitReceipt(hash);
        if (!receipt) {
          setState({ step: "failed", hash, message: t("tx.notConfirmed") });
          return false;
        }
        if (!receipt.success) {
          setState({ step: "failed", hash, message: t("tx.reverted") });
          return false;
        }
        setState({ step: "confirmed", hash, block: receipt.block });
        const indexed = await waitIndexed(receipt.block);
        if (!indexed) {
          setState({ step: "failed", hash, message: t("tx.notIndexed") });
          return false;
        }
        setState({ step: "indexed", hash, block: receipt.block });
        await queryClient.invalidateQueries();
        router.refresh();
        onIndexed?.();
        return true;
      } catch (error) {
        setState({ step: "failed", hash, message: describeError(error, t) });
        return false;
      } finally {
        busy.current = false;
      }
    },
    [t, router, queryClient],
  );

  const fail = useCallback((message: string) => setState({ step: "failed", message }), []);
  const reset = useCallback(() => setState({ step: "idle" }), []);
  return { state, run, fail, reset, busy: state.step === "signing" || state.step === "pending" || state.step === "confirmed" };
}
