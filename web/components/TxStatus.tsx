"use client";
import Link from "next/link";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { TxState } from "./useTxFlow.ts";

const STEPS = ["pending", "confirmed", "indexed"] as const;

/** Announces each step of a write (a polite live region), with a link to the transaction view. */
export function TxStatus({ state }: { state: TxState }) {
  const { t } = useI18n();
  const hash = "hash" in state ? state.hash : undefined;
  const reached = state.step === "indexed" ? 3 : state.step === "confirmed" ? 2 : state.step === "pending" ? 1 : 0;
  return (
    <div className="tx-status" role="status" aria-live="polite" data-step={state.step}>
      {state.step === "signing" && <p>{t("tx.signing")}</p>}
      {reached > 0 && (
        <ol className="steps">
          {STEPS.map((s, i) => (
            <li key={s} className={i < reached ? "done" : ""} aria-current={i === reached - 1 ? "step" : undefined}>
              {t(`tx.${s}`)}
            </li>
          ))}
        </ol>
      )}
      {state.step === "failed" && <p className="error">{state.message}</p>}
      {hash && (
        <p>
          <Link href={`/tx/${hash}`}>{t("tx.view")}</Link>
        </p>
      )}
    </div>
  );
}
