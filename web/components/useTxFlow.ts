"use client";
/**
 * The life of a write, shown to the person: signing → pending (sent) → confirmed (mined) →
 * indexed (the mirror has the block), after which the page's data refreshes without a reload.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import type { Hash } from "viem";
import { useConfig } from "wagmi";
import { waitForTransactionReceipt } from "wagmi/actions";
import { useI18n } from "@/lib/i18n/client.tsx";
import { describeError } from "@/lib/tx-errors.ts";

export type TxState =
  | { step: "idle" }
  | { step: "signing" }
  | { step: "pending"; hash: Hash }
  | { step: "confirmed"; hash: Hash; block: bigint }
  | { step: "indexed"; hash: Hash; block: bigint }
  | { step: "failed"; message: string; hash?: Hash };

export async function waitIndexed(block: bigint, timeoutMs = 60_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await fetch(`/api/indexed?block=${block}`, { cache: "no-store" }).then((x) => x.json()).catch(() => null);
    if (r?.indexed) return true;
    await new Promise((ok) => setTimeout(ok, 400));
  }
  return false;
}

export function useTxFlow() {
  const config = useConfig();
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
        const receipt = await waitForTransactionReceipt(config, { hash, pollingInterval: 300 });
        if (receipt.status !== "success") {
          setState({ step: "failed", hash, message: t("tx.reverted") });
          return false;
        }
        setState({ step: "confirmed", hash, block: receipt.blockNumber });
        const indexed = await waitIndexed(receipt.blockNumber);
        if (!indexed) {
          setState({ step: "failed", hash, message: t("tx.notIndexed") });
          return false;
        }
        setState({ step: "indexed", hash, block: receipt.blockNumber });
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
    [config, t, router, queryClient],
  );

  const fail = useCallback((message: string) => setState({ step: "failed", message }), []);
  const reset = useCallback(() => setState({ step: "idle" }), []);
  return { state, run, fail, reset, busy: state.step === "signing" || state.step === "pending" || state.step === "confirmed" };
}
