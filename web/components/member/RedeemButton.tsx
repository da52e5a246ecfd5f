"use client";
import { useState } from "react";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useMe } from "@/components/HeaderAccount.tsx";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatPoints } from "@/lib/format.ts";
import { redeemBlocker, type RedeemableReward } from "@/lib/rules.ts";
import { useMemberActions, type WalletKind } from "./actions.ts";

/** Redeem with the reason shown when the rules forbid it (balance, tier, supply, validity), checked before sending. */
export function RedeemButton({
  session,
  reward,
  rewardId,
  name,
  member,
  nowSeconds,
}: {
  session: { address: string; kind: WalletKind };
  reward: RedeemableReward;
  rewardId: bigint;
  name: string;
  member: { balance: bigint; tier: number };
  nowSeconds: bigint;
}) {
  const { t, locale } = useI18n();
  const actions = useMemberActions(session);
  const flow = useTxFlow();
  const me = useMe().data;
  const [confirming, setConfirming] = useState(false);
  const live = { balance: me?.balance !== undefined ? BigInt(me.balance) : member.balance, tier: me?.tier ?? member.tier };
  const blocker = redeemBlocker(reward, live, nowSeconds);
  const reasonId = `redeem-reason-${rewardId}`;

  return (
    <div>
      {blocker && flow.state.step === "idle" ? (
        <p id={reasonId} className="small reason" data-testid={`redeem-blocked-${rewardId}`}>
          <span aria-hidden="true">⛔ </span>
          {t(blocker.key, blocker.vars)}
        </p>
      ) : blocker ? null : !confirming ? (
        <button type="button" className="button" onClick={() => setConfirming(true)} disabled={flow.busy} data-testid={`redeem-${rewardId}`}>
          {t("redeem.button", { cost: formatPoints(reward.cost, locale) })}
        </button>
      ) : (
        <div role="group" aria-label={t("redeem.confirmLabel", { name })}>
          <p className="small">{t("redeem.confirm", { name, cost: formatPoints(reward.cost, locale) })}</p>
          <button
            type="button"
            className="button"
            disabled={flow.busy}
            aria-busy={flow.busy}
            data-testid={`redeem-confirm-${rewardId}`}
            onClick={async () => {
              if (actions.blocked) return flow.fail(t(actions.blocked));
              await flow.run(() => actions.redeem(rewardId));
              setConfirming(false);
            }}
          >
            {t("redeem.yes")}
          </button>{" "}
          <button type="button" className="button secondary" onClick={() => setConfirming(false)} disabled={flow.busy}>
            {t("form.cancel")}
          </button>
        </div>
      )}
      <TxStatus state={flow.state} />
    </div>
  );
}
