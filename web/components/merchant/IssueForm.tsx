"use client";
import { useState, type FormEvent } from "react";
import type { Address } from "viem";
import { purchaseRef } from "../../../contracts/typed-data.ts";
import { Field } from "@/components/Field.tsx";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatPoints } from "@/lib/format.ts";
import { parseAddress, parsePoints, parseText, type Parsed } from "@/lib/validate.ts";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { useMerchantWrite } from "./write.ts";

export function IssueForm({ merchant, allowance }: { merchant: string; allowance: bigint }) {
  const { t, locale } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  const [member, setMember] = useState("");
  const [amount, setAmount] = useState("");
  const [order, setOrder] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const msg = <T,>(r: Parsed<T>) => (r.ok ? undefined : t(r.error, r.vars));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m = parseAddress(member, { notSelf: merchant });
    const a = parsePoints(amount, { max: allowance, maxKey: "error.amount.aboveAllowance" });
    const o = parseText(order, 64);
    setErrors({ member: m.ok ? undefined : m.error === "error.address.self" ? t("error.address.selfIssue") : msg(m), amount: msg(a), order: msg(o) });
    if (!m.ok || !a.ok || !o.ok) return;
    if (w.blocked) return flow.fail(w.blocked);
    const ok = await flow.run(() =>
      w.send({ address: w.chain.points, abi: loyaltyPointsAbi, functionName: "issue", args: [m.value, a.value, purchaseRef(merchant as Address, o.value)] }),
    );
    if (ok) {
      setAmount("");
      setOrder("");
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="issue-form">
      <Field label={t("issue.member")} value={member} onChange={(e) => setMember(e.target.value)} placeholder="0x…" autoComplete="off" spellCheck={false} error={errors.member} />
      <Field
        label={t("issue.amount")}
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        inputMode="numeric"
        autoComplete="off"
        hint={t("issue.amountHint", { allowance: formatPoints(allowance, locale) })}
        error={errors.amount}
      />
      <Field label={t("issue.order")} value={order} onChange={(e) => setOrder(e.target.value)} autoComplete="off" hint={t("issue.orderHint")} error={errors.order} />
      <div>
        <button type="submit" className="button" disabled={flow.busy} aria-busy={flow.busy}>
          {t("issue.submit")}
        </button>
      </div>
      <TxStatus state={flow.state} />
    </form>
  );
}
