"use client";
import { useState, type FormEvent } from "react";
import type { Address } from "viem";
import { Field } from "@/components/Field.tsx";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useMe } from "@/components/HeaderAccount.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatPoints } from "@/lib/format.ts";
import { parseAddress, parsePoints, type Parsed } from "@/lib/validate.ts";
import { useMemberActions, type WalletKind } from "./actions.ts";

type Mode = { kind: "transfer" } | { kind: "donate"; charities: { address: string; name: string }[] };

/** Transfer to any address, or donate to a registered charity. Every input is checked first; bad input sends nothing. */
export function PointsForm({ session, mode, balance: initialBalance }: { session: { address: string; kind: WalletKind }; mode: Mode; balance: bigint }) {
  const { t, locale } = useI18n();
  const actions = useMemberActions(session);
  const flow = useTxFlow();
  const me = useMe().data;
  const balance = me?.balance !== undefined ? BigInt(me.balance) : initialBalance;
  const [to, setTo] = useState(mode.kind === "donate" ? (mode.charities[0]?.address ?? "") : "");
  const [amount, setAmount] = useState("");
  const [errors, setErrors] = useState<{ to?: string; amount?: string }>({});
  const msg = <T,>(r: Parsed<T>) => (r.ok ? undefined : t(r.error, r.vars));
  const prefix = mode.kind;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const dest = parseAddress(to, { notSelf: session.address });
    const value = parsePoints(amount, { max: balance });
    const next = { to: msg(dest), amount: msg(value) };
    setErrors(next);
    if (!dest.ok || !value.ok) return;
    if (actions.blocked) return flow.fail(t(actions.blocked));
    const ok = await flow.run(() => (mode.kind === "donate" ? actions.donate(dest.value as Address, value.value) : actions.transfer(dest.value as Address, value.value)));
    if (ok) setAmount("");
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby={`${prefix}-title`} data-testid={`${prefix}-form`}>
      {mode.kind === "donate" ? (
        <Field label={t("donate.charity")} error={errors.to}>
          {({ id, describedBy, invalid }) => (
            <select id={id} name="charity" value={to} onChange={(e) => setTo(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid || undefined}>
              {mode.charities.map((c) => (
                <option key={c.address} value={c.address}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <Field
          label={t("transfer.to")}
          name="to"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          placeholder="0x…"
          autoComplete="off"
          spellCheck={false}
          hint={t("transfer.toHint")}
          error={errors.to}
        />
      )}
      <Field
        label={t("form.amount")}
        name="amount"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        inputMode="numeric"
        autoComplete="off"
        hint={t("form.amountHint", { balance: formatPoints(balance, locale) })}
        error={errors.amount}
      />
      <div>
        <button type="submit" className="button" disabled={flow.busy} aria-busy={flow.busy}>
          {mode.kind === "donate" ? t("donate.submit") : t("transfer.submit")}
        </button>
      </div>
      <TxStatus state={flow.state} />
    </form>
  );
}
