"use client";
import { useState, type FormEvent } from "react";
import { Field } from "@/components/Field.tsx";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import { parseAddress, type Parsed } from "@/lib/validate.ts";
import { rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { useMerchantWrite } from "./write.ts";

/** Pause or resume one of the merchant's rewards. */
export function PauseButton({ merchant, rewardId, paused, name }: { merchant: string; rewardId: bigint; paused: boolean; name: string }) {
  const { t } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  return (
    <div>
      <button
        type="button"
        className="button secondary small"
        disabled={flow.busy}
        aria-busy={flow.busy}
        aria-label={paused ? t("rewards.resumeLabel", { name }) : t("rewards.pauseLabel", { name })}
        data-testid={`pause-${rewardId}`}
        onClick={() => {
          if (w.blocked) return flow.fail(w.blocked);
          void flow.run(() => w.send({ address: w.chain.rewards, abi: rewardNftAbi, functionName: "setRewardPaused", args: [rewardId, !paused] }));
        }}
      >
        {paused ? t("rewards.resume") : t("rewards.pause")}
      </button>
      <TxStatus state={flow.state} />
    </div>
  );
}

/** Mint an exclusive reward (VIP drop, badge) straight to a member. */
export function MintExclusiveForm({ merchant, rewards }: { merchant: string; rewards: { id: bigint; name: string; left: bigint; paused: boolean }[] }) {
  const { t } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  const [rewardId, setRewardId] = useState(rewards[0]?.id.toString() ?? "");
  const [member, setMember] = useState("");
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const msg = <T,>(r: Parsed<T>) => (r.ok ? undefined : t(r.error, r.vars));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const m = parseAddress(member);
    const reward = rewards.find((r) => r.id.toString() === rewardId);
    const rewardError = !reward ? t("mint.pickReward") : reward.paused ? t("redeem.block.paused") : reward.left <= 0n ? t("redeem.block.soldOut") : undefined;
    setErrors({ member: msg(m), reward: rewardError });
    if (!m.ok || rewardError || !reward) return;
    if (w.blocked) return flow.fail(w.blocked);
    const ok = await flow.run(() => w.send({ address: w.chain.rewards, abi: rewardNftAbi, functionName: "mintExclusive", args: [reward.id, m.value] }));
    if (ok) setMember("");
  }

  if (rewards.length === 0) return <p>{t("mint.none")}</p>;
  return (
    <form className="stack" onSubmit={submit} noValidate data-testid="mint-form">
      <Field label={t("mint.reward")} error={errors.reward}>
        {({ id, describedBy, invalid }) => (
          <select id={id} value={rewardId} onChange={(e) => setRewardId(e.target.value)} aria-describedby={describedBy} aria-invalid={invalid || undefined}>
            {rewards.map((r) => (
              <option key={r.id.toString()} value={r.id.toString()}>
                {r.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("mint.member")} value={member} onChange={(e) => setMember(e.target.value)} placeholder="0x…" autoComplete="off" spellCheck={false} error={errors.member} />
      <div>
        <button type="submit" className="button" disabled={flow.busy} aria-busy={flow.busy}>
          {t("mint.submit")}
        </button>
      </div>
      <TxStatus state={flow.state} />
    </form>
  );
}
