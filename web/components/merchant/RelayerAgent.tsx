"use client";
import type { Address } from "viem";
import { TxStatus } from "@/components/TxStatus.tsx";
import { useTxFlow } from "@/components/useTxFlow.ts";
import { useI18n } from "@/lib/i18n/client.tsx";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { useMerchantWrite } from "./write.ts";

/**
 * Whether the platform's relayer may issue and refund for this merchant (what the purchase API
 * needs), and the button that authorizes or revokes it from the merchant's own wallet.
 */
export function RelayerAgent({ merchant, relayer, authorized }: { merchant: string; relayer: Address | null; authorized: boolean }) {
  const { t } = useI18n();
  const w = useMerchantWrite(merchant);
  const flow = useTxFlow();
  if (!relayer) return <p className="muted">{t("agent.noRelayer")}</p>;
  return (
    <div className="stack" data-testid="relayer-agent">
      <p role="status">
        {authorized ? t("agent.authorized", { relayer }) : t("agent.notAuthorized", { relayer })}
      </p>
      <div>
        <button
          type="button"
          className={authorized ? "button secondary" : "button"}
          disabled={flow.busy}
          aria-busy={flow.busy}
          onClick={() => {
            if (w.blocked) return flow.fail(w.blocked);
            void flow.run(() => w.send({ address: w.chain.points, abi: loyaltyPointsAbi, functionName: "setIssuingAgent", args: [relayer, !authorized] }));
          }}
        >
          {authorized ? t("agent.revoke") : t("agent.authorize")}
        </button>
      </div>
      <TxStatus state={flow.state} />
    </div>
  );
}
