/**
 * The merchant console's purchase-API part (server component): the relayer's authorization as
 * issuing agent, API keys, earning rules, campaigns; for the operator, coalition-wide campaigns.
 * Its data comes from the app's tables and the chain at each request.
 */
import type { Address } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { chainClient } from "@/lib/chain/server.ts";
import { deployment } from "@/lib/config.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import { listApiKeys } from "@/lib/purchases/api-keys.ts";
import { apiPool } from "@/lib/purchases/server.ts";
import type { CampaignRule } from "@/lib/purchases/rules.ts";
import { currentCampaigns, getRules } from "@/lib/purchases/store.ts";
import { relayerAddress } from "@/lib/relayer/index.ts";
import { ApiKeys } from "./ApiKeys.tsx";
import { Campaigns, type CampaignRow } from "./Campaigns.tsx";
import { EarningRulesForm } from "./EarningRulesForm.tsx";
import { RelayerAgent } from "./RelayerAgent.tsx";

const row = (c: CampaignRule, canCancel: boolean): CampaignRow => ({
  id: c.id,
  name: c.name,
  coalition: c.merchant === null,
  kind: c.kind,
  multiplierBps: c.multiplierBps?.toString() ?? null,
  bonusPoints: c.bonusPoints?.toString() ?? null,
  minAmountCents: c.minAmountCents.toString(),
  startsAt: c.startsAt.toISOString(),
  endsAt: c.endsAt.toISOString(),
  canCancel,
});

export async function PurchaseApiSections({ merchant, tiers }: { merchant: Address; tiers: number }) {
  const { t } = await getI18n();
  const relayer = relayerAddress();
  const pool = apiPool();
  const [keys, rules, campaigns, authorized] = await Promise.all([
    listApiKeys(pool, merchant),
    getRules(pool, merchant),
    currentCampaigns(pool, merchant),
    relayer
      ? chainClient().readContract({ address: deployment().contracts.LoyaltyPoints.address, abi: loyaltyPointsAbi, functionName: "isIssuingAgent", args: [merchant, relayer] })
      : Promise.resolve(false),
  ]);
  return (
    <>
      <section aria-labelledby="api-title">
        <h2 id="api-title">{t("apiKeys.section")}</h2>
        <p>{t("apiKeys.intro")}</p>
        <div className="grid">
          <div className="card">
            <h3>{t("agent.title")}</h3>
            <RelayerAgent merchant={merchant} relayer={relayer} authorized={authorized} />
          </div>
          <div className="card">
            <h3>{t("apiKeys.title")}</h3>
            <ApiKeys
              keys={keys.map((k) => ({ ...k, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null, lastUsedAt: k.lastUsedAt?.toISOString() ?? null }))}
            />
          </div>
        </div>
      </section>
      <div className="grid" style={{ marginTop: "1rem" }}>
        <section aria-labelledby="rules-title" className="card">
          <h2 id="rules-title">{t("rules.title")}</h2>
          {!rules.custom && <p className="small muted">{t("rules.defaults")}</p>}
          <EarningRulesForm
            tiers={Math.max(tiers, rules.tierMultipliersBps.length)}
            rules={{
              pointsPerEuro: rules.pointsPerEuro.toString(),
              cashbackBps: rules.cashbackBps.toString(),
              tierMultipliersBps: rules.tierMultipliersBps.map(String),
              referralBonusPoints: rules.referralBonusPoints.toString(),
            }}
          />
        </section>
        <section aria-labelledby="campaigns-title" className="card">
          <h2 id="campaigns-title">{t("campaigns.title")}</h2>
          <Campaigns coalition={false} campaigns={campaigns.map((c) => row(c, c.merchant !== null))} />
        </section>
      </div>
    </>
  );
}

/** For the operator (DEFAULT_ADMIN_ROLE): campaigns that apply at every merchant of the coalition. */
export async function CoalitionCampaigns() {
  const { t } = await getI18n();
  const campaigns = (await currentCampaigns(apiPool())).filter((c) => c.merchant === null);
  return (
    <section aria-labelledby="coalition-campaigns-title" className="card">
      <h2 id="coalition-campaigns-title">{t("campaigns.coalitionTitle")}</h2>
      <p className="small muted">{t("campaigns.coalitionIntro")}</p>
      <Campaigns coalition campaigns={campaigns.map((c) => row(c, true))} />
    </section>
  );
}
