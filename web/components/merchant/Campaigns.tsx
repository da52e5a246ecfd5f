"use client";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { Table } from "@/components/Table.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatScaled, parseScaled } from "@/lib/purchases/rules.ts";
import { useConsoleAction } from "./console-action.ts";

export interface CampaignRow {
  id: string;
  name: string;
  coalition: boolean;
  kind: "multiplier" | "bonus";
  multiplierBps: string | null;
  bonusPoints: string | null;
  minAmountCents: string;
  startsAt: string;
  endsAt: string;
  /** Whether this account may cancel it (its own, or a coalition-wide one for the operator). */
  canCancel: boolean;
}

const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/**
 * Time-boxed campaigns: the merchant's own, or (`coalition`, for the operator) coalition-wide ones.
 */
export function Campaigns({ campaigns, coalition }: { campaigns: CampaignRow[]; coalition: boolean }) {
  const { t, locale } = useI18n();
  const action = useConsoleAction();
  const now = new Date();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"multiplier" | "bonus">("multiplier");
  const [value, setValue] = useState("2");
  const [minAmount, setMinAmount] = useState("0");
  const [startsAt, setStartsAt] = useState(localInput(now));
  const [endsAt, setEndsAt] = useState(localInput(new Date(now.getTime() + 7 * 86_400_000)));
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const date = (iso: string) => new Date(iso).toLocaleString(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
  const what = (c: CampaignRow) =>
    c.kind === "multiplier"
      ? t("campaigns.multiplierText", { factor: formatScaled(BigInt(c.multiplierBps ?? "10000"), 4) })
      : t("campaigns.bonusText", { points: BigInt(c.bonusPoints ?? "0"), min: formatScaled(BigInt(c.minAmountCents), 2) });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const multiplier = kind === "multiplier" ? parseScaled(value, 4) : null;
    const min = parseScaled(minAmount, 2);
    const next = {
      name: name.trim() ? undefined : t("error.text.required"),
      value: kind === "multiplier" ? (multiplier === null || multiplier <= 10_000n ? t("rules.error.multiplierAbove") : undefined) : /^\d{1,7}$/.test(value.trim()) && value.trim() !== "0" ? undefined : t("rules.error.whole"),
      min: min === null ? t("rules.error.euros") : undefined,
    };
    setErrors(next);
    if (Object.values(next).some(Boolean)) return;
    const ok = await action.run("/api/merchant/campaigns", {
      name: name.trim(),
      kind,
      ...(kind === "multiplier" ? { multiplierBps: multiplier!.toString() } : { bonusPoints: value.trim() }),
      minAmountCents: min!.toString(),
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      coalition,
    });
    if (ok) setName("");
  }

  return (
    <div className="stack">
      {campaigns.length === 0 ? (
        <p className="muted">{t("campaigns.none")}</p>
      ) : (
        <Table
          caption={t("campaigns.title")}
          columns={[{ label: t("campaigns.name") }, { label: t("campaigns.what") }, { label: t("campaigns.when") }, { label: t("rewards.action") }]}
          testId={coalition ? "coalition-campaigns" : "campaigns"}
        >
          {campaigns.map((c) => (
            <tr key={c.id}>
              <td>
                {c.name}
                {c.coalition && <span className="small muted"> · {t("campaigns.coalitionWide")}</span>}
              </td>
              <td>{what(c)}</td>
              <td>{t("campaigns.window", { from: date(c.startsAt), to: date(c.endsAt) })}</td>
              <td>
                {c.canCancel && (
                  <button
                    type="button"
                    className="button secondary small"
                    disabled={action.busy}
                    aria-label={t("campaigns.cancelLabel", { name: c.name })}
                    onClick={() => void action.run(`/api/merchant/campaigns/${c.id}/cancel`, { coalition: c.coalition })}
                  >
                    {t("campaigns.cancel")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <form className="stack" onSubmit={submit} noValidate data-testid={coalition ? "coalition-campaign-form" : "campaign-form"}>
        <Field label={t("campaigns.name")} value={name} onChange={(e) => setName(e.target.value)} maxLength={80} autoComplete="off" error={errors.name} />
        <Field label={t("campaigns.kind")} error={undefined}>
          {({ id, describedBy }) => (
            <select id={id} aria-describedby={describedBy} value={kind} onChange={(e) => setKind(e.target.value as "multiplier" | "bonus")}>
              <option value="multiplier">{t("campaigns.kind.multiplier")}</option>
              <option value="bonus">{t("campaigns.kind.bonus")}</option>
            </select>
          )}
        </Field>
        <Field
          label={kind === "multiplier" ? t("campaigns.multiplier") : t("campaigns.bonus")}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          inputMode="decimal"
          hint={kind === "multiplier" ? t("campaigns.multiplierHint") : undefined}
          error={errors.value}
        />
        <Field label={t("campaigns.minAmount")} value={minAmount} onChange={(e) => setMinAmount(e.target.value)} inputMode="decimal" error={errors.min} />
        <Field label={t("campaigns.startsAt")} type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        <Field label={t("campaigns.endsAt")} type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
        {action.error && (
          <p className="field-error" role="alert">
            {action.error}
          </p>
        )}
        <div>
          <button type="submit" className="button" disabled={action.busy} aria-busy={action.busy}>
            {coalition ? t("campaigns.createCoalition") : t("campaigns.create")}
          </button>
        </div>
      </form>
    </div>
  );
}
