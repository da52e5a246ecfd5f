"use client";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { formatScaled, parseScaled } from "@/lib/purchases/rules.ts";
import { useConsoleAction } from "./console-action.ts";

export interface RulesValue {
  pointsPerEuro: string;
  cashbackBps: string;
  tierMultipliersBps: string[];
  referralBonusPoints: string;
}

/** The merchant's earning rules: points per euro, cashback %, a multiplier per tier, the referral bonus. */
export function EarningRulesForm({ rules, tiers }: { rules: RulesValue; tiers: number }) {
  const { t } = useI18n();
  const action = useConsoleAction();
  const [ppe, setPpe] = useState(rules.pointsPerEuro);
  const [cashback, setCashback] = useState(formatScaled(BigInt(rules.cashbackBps), 2));
  const [multipliers, setMultipliers] = useState(Array.from({ length: tiers }, (_, i) => formatScaled(BigInt(rules.tierMultipliersBps[i] ?? "10000"), 4)));
  const [referral, setReferral] = useState(rules.referralBonusPoints);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [saved, setSaved] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const cb = parseScaled(cashback, 2);
    const ms = multipliers.map((m) => parseScaled(m, 4));
    const next = {
      ppe: /^\d{1,4}$/.test(ppe.trim()) ? undefined : t("rules.error.whole"),
      cashback: cb === null || cb > 10_000n ? t("rules.error.percent") : undefined,
      multipliers: ms.some((m) => m === null || m < 10_000n) ? t("rules.error.multiplier") : undefined,
      referral: /^\d{1,7}$/.test(referral.trim()) ? undefined : t("rules.error.whole"),
    };
    setErrors(next);
    if (Object.values(next).some(Boolean)) return;
    const r = await action.run("/api/merchant/rules", { pointsPerEuro: ppe.trim(), cashbackBps: cb!.toString(), tierMultipliersBps: ms.map((m) => m!.toString()), referralBonusPoints: referral.trim() });
    if (r) setSaved(true);
  }

  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="rules-form">
      <Field label={t("rules.pointsPerEuro")} value={ppe} onChange={(e) => setPpe(e.target.value)} inputMode="numeric" hint={t("rules.pointsPerEuroHint")} error={errors.ppe} />
      <Field label={t("rules.cashback")} value={cashback} onChange={(e) => setCashback(e.target.value)} inputMode="decimal" hint={t("rules.cashbackHint")} error={errors.cashback} />
      <fieldset className="stack">
        <legend>{t("rules.tierMultipliers")}</legend>
        {multipliers.map((m, i) => (
          <Field
            key={i}
            label={t(`tier.${Math.min(i, 3)}` as MessageKey)}
            value={m}
            onChange={(e) => setMultipliers(multipliers.map((x, j) => (j === i ? e.target.value : x)))}
            inputMode="decimal"
            error={i === 0 ? errors.multipliers : undefined}
          />
        ))}
        <span className="hint">{t("rules.tierHint")}</span>
      </fieldset>
      <Field label={t("rules.referral")} value={referral} onChange={(e) => setReferral(e.target.value)} inputMode="numeric" hint={t("rules.referralHint")} error={errors.referral} />
      {action.error && (
        <p className="field-error" role="alert">
          {action.error}
        </p>
      )}
      {saved && <p role="status">{t("rules.saved")}</p>}
      <div>
        <button type="submit" className="button" disabled={action.busy} aria-busy={action.busy}>
          {t("rules.save")}
        </button>
      </div>
    </form>
  );
}
