"use client";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { parseInteger, parsePoints, parseText, type Parsed } from "@/lib/validate.ts";
import { rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { useMerchantWrite } from "./write.ts";

export const REWARD_IMAGES = ["croissant", "cake", "book", "signing", "barista", "badge", "galette", "gift", "coffee", "ticket"] as const;
const MAX_U64 = (1n << 64n) - 1n;

/** Date input (YYYY-MM-DD, program time zone ≈ local) → unix seconds at midnight UTC; "" → 0 (no bound). */
function dateToSeconds(value: string, endOfDay: boolean): bigint | null {
  if (value === "") return 0n;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T${endOfDay ? "23:59:59" : "00:00:00"}Z`);
  return Number.isNaN(ms) ? null : BigInt(Math.floor(ms / 1000));
}

export function CreateRewardForm({ merchant, tiers }: { merchant: string; tiers: number }) {
  const { t } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  const [f, setF] = useState({ name: "", description: "", image: "gift", category: "0", cost: "", cap: "", minTier: "0", from: "", until: "", soulbound: false, mintOnly: false });
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const msg = <T,>(r: Parsed<T>) => (r.ok ? undefined : t(r.error, r.vars));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = parseText(f.name, 80);
    const description = parseText(f.description, 280);
    const cost = f.mintOnly && f.cost.trim() === "" ? ({ ok: true, value: 0n } as const) : parsePoints(f.cost, { allowZero: true });
    const cap = parseInteger(f.cap, 1n, MAX_U64);
    const from = dateToSeconds(f.from, false);
    const until = dateToSeconds(f.until, true);
    const window = from === null || until === null ? "error.date.invalid" : until !== 0n && from !== 0n && until <= from ? "error.date.order" : null;
    const next = {
      name: msg(name),
      description: msg(description),
      cost: msg(cost),
      cap: msg(cap),
      until: window ? t(window as MessageKey) : undefined,
    };
    setErrors(next);
    if (!name.ok || !description.ok || !cost.ok || !cap.ok || window) return;
    if (w.blocked) return flow.fail(w.blocked);
    const ok = await flow.run(() =>
      w.send({
        address: w.chain.rewards,
        abi: rewardNftAbi,
        functionName: "createReward",
        args: [
          { cost: cost.value, supplyCap: cap.value, minTier: Number(f.minTier), validFrom: Number(from), validUntil: Number(until), soulbound: f.soulbound, mintOnly: f.mintOnly, category: Number(f.category) },
          { name: name.value, description: description.value, image: `/rewards/${f.image}.svg` },
        ],
      }),
    );
    if (ok) setF((x) => ({ ...x, name: "", description: "", cost: "", cap: "" }));
  }

  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="create-reward-form">
      <Field label={t("create.name")} name="name" value={f.name} onChange={set("name")} maxLength={120} error={errors.name} />
      <Field label={t("create.description")} error={errors.description}>
        {({ id, describedBy, invalid }) => <textarea id={id} name="description" value={f.description} onChange={set("description")} aria-describedby={describedBy} aria-invalid={invalid || undefined} rows={3} />}
      </Field>
      <Field label={t("create.category")}>
        {({ id }) => (
          <select id={id} name="category" value={f.category} onChange={set("category")}>
            {[0, 1, 2, 3, 4].map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}` as MessageKey)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("create.image")}>
        {({ id }) => (
          <select id={id} name="image" value={f.image} onChange={set("image")}>
            {REWARD_IMAGES.map((i) => (
              <option key={i} value={i}>
                {t(`image.${i}` as MessageKey)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("create.cost")} name="cost" value={f.cost} onChange={set("cost")} inputMode="numeric" autoComplete="off" hint={t("create.costHint")} error={errors.cost} />
      <Field label={t("create.cap")} name="cap" value={f.cap} onChange={set("cap")} inputMode="numeric" autoComplete="off" error={errors.cap} />
      <Field label={t("create.minTier")}>
        {({ id }) => (
          <select id={id} name="minTier" value={f.minTier} onChange={set("minTier")}>
            {Array.from({ length: tiers }, (_, i) => (
              <option key={i} value={i}>
                {t(`tier.${i}` as MessageKey)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("create.from")} type="date" name="from" value={f.from} onChange={set("from")} hint={t("create.dateHint")} />
      <Field label={t("create.until")} type="date" name="until" value={f.until} onChange={set("until")} error={errors.until} />
      <label className="checkbox">
        <input type="checkbox" checked={f.soulbound} onChange={(e) => setF((x) => ({ ...x, soulbound: e.target.checked }))} /> {t("create.soulbound")}
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={f.mintOnly} onChange={(e) => setF((x) => ({ ...x, mintOnly: e.target.checked }))} /> {t("create.mintOnly")}
      </label>
      <div>
        <button type="submit" className="button" disabled={flow.busy} aria-busy={flow.busy}>
          {t("create.submit")}
        </button>
      </div>
      <TxStatus state={flow.state} />
    </form>
  );
}
