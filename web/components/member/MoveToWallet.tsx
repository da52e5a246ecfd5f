"use client";
/**
 * A custodial member moves to their own wallet: connect it (the site's EIP-6963 wallets through
 * wagmi, whose libraries load only when the member starts the move: lib/wallet), sign the proof
 * message (server nonce, this chain, both addresses), then the server moves
 * the points and the rewards (one relayed transaction each) and switches the session to the
 * wallet. Each step is shown as it happens; an interrupted move resumes where it stopped.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Address, Hex } from "viem";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { moveProofMessage } from "@/lib/custody/move-proof.ts";
import { postJson } from "@/lib/post-json.ts";
import { describeError } from "@/lib/tx-errors.ts";
import { loadWallet, useWallet } from "@/lib/wallet/index.ts";
import { useChainInfo } from "../Providers.tsx";
import { WalletPicker } from "../WalletPicker.tsx";

const STEPS = ["connect", "prove", "points", "rewards"] as const;
type Step = (typeof STEPS)[number];
type Phase = { at: Step | "done" | "idle" | "choose"; error?: string };

export function MoveToWallet({ custodial }: { custodial: string }) {
  const { t } = useI18n();
  const chain = useChainInfo();
  const browser = useWallet(chain, false);
  const router = useRouter();
  const queryClient = useQueryClient();
  const [phase, setPhase] = useState<Phase>({ at: "idle" });
  const busy = phase.at !== "idle" && phase.at !== "choose" && phase.at !== "done" && !phase.error;

  async function run(connectorUid: string) {
    let at: Step = "connect";
    try {
      setPhase({ at });
      const w = await loadWallet(chain);
      const wallet = await w.connect(connectorUid, t("move.noWallet"));
      setPhase({ at: (at = "prove") });
      const { nonce } = (await fetch("/api/auth/nonce", { cache: "no-store" }).then((r) => r.json())) as { nonce: string };
      const message = moveProofMessage({ domain: window.location.host, chainId: chain.chainId, custodial: custodial as Address, wallet, nonce });
      const signature: Hex = await w.signMessage(wallet, message);
      await postJson("/api/member/move", { wallet, nonce, signature });
      setPhase({ at: (at = "points") });
      for (let i = 0; i < 50; i++) {
        const r = await postJson<{ step: "points" | "rewards" | "done" }>("/api/member/move/continue", {});
        if (r.step === "done") break;
        // After the points, what is left are the rewards (then done).
        setPhase({ at: (at = "rewards") });
      }
      setPhase({ at: "done" });
      await queryClient.invalidateQueries();
      // The page is now the wallet's (this custodial-only section goes away): it says the move is done.
      router.replace("/member?moved=1");
      router.refresh();
    } catch (e) {
      setPhase({ at, error: describeError(e, t) });
    }
  }

  function choose() {
    setPhase({ at: "choose" });
    loadWallet(chain).catch((e: unknown) => setPhase({ at: "connect", error: describeError(e, t) }));
  }

  const index = phase.at === "done" ? STEPS.length : STEPS.indexOf(phase.at as Step);
  return (
    <div data-testid="move-to-wallet">
      <p>{t("move.intro")}</p>
      {phase.at === "idle" || (phase.error && phase.at !== "done") ? (
        <button type="button" className="button" onClick={choose} disabled={busy} data-testid="move-start">
          {t("move.start")}
        </button>
      ) : null}
      {phase.at === "choose" && (
        <div role="group" aria-label={t("move.chooseWallet")}>
          <p>{t("move.chooseWallet")}</p>
          <WalletPicker connectors={browser.connectors} ready={browser.ready} onPick={run} empty={t("move.noWallet")} loading={t("wallet.loading")} className="plain" />
        </div>
      )}
      {phase.at !== "idle" && phase.at !== "choose" && (
        <ol aria-label={t("move.progress")} className="steps" data-testid="move-steps">
          {STEPS.map((s, i) => {
            const state = i < index ? "done" : i === index ? (phase.error ? "failed" : "running") : "waiting";
            return (
              <li key={s} data-state={state} aria-current={state === "running" ? "step" : undefined}>
                {t(`move.step.${s}` as MessageKey)} —{" "}
                <span className="small">{state === "done" ? t("move.stepDone") : state === "running" ? t("move.stepRunning") : state === "failed" ? "✗" : t("move.stepWaiting")}</span>
              </li>
            );
          })}
        </ol>
      )}
      <div role="status" aria-live="polite">
        {phase.at === "done" && <p>{t("move.step.done")}</p>}
        {phase.error && (
          <p className="error" role="alert">
            {t("move.failed", { reason: phase.error })}
          </p>
        )}
      </div>
    </div>
  );
}
