import type { Metadata } from "next";
import type { Address } from "viem";
import { BarChart, LineChart } from "@/components/Charts.tsx";
import { AcceptVoucher } from "@/components/merchant/AcceptVoucher.tsx";
import { CreateRewardForm } from "@/components/merchant/CreateRewardForm.tsx";
import { IssueForm } from "@/components/merchant/IssueForm.tsx";
import { CoalitionCampaigns, PurchaseApiSections } from "@/components/merchant/PurchaseApiSections.tsx";
import { MintExclusiveForm, PauseButton } from "@/components/merchant/RewardAdmin.tsx";
import { Unavailable } from "@/components/Unavailable.tsx";
import { getSession } from "@/lib/auth/session.ts";
import { isMerchantOnChain } from "@/lib/chain/server.ts";
import { rolesOf } from "@/lib/chain/roles.ts";
import { getCatalog, getMerchantAnalytics, getMerchants, getSettings } from "@/lib/data/index.ts";
import { formatPoints, percent } from "@/lib/format.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { Table } from "@/components/Table.tsx";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("merchant.title") };
}

export default async function MerchantPage() {
  const { t, locale } = await getI18n();
  const session = await getSession();
  if (!session) {
    return (
      <>
        <h1>{t("merchant.title")}</h1>
        <p className="card">{t("merchant.signInPrompt")}</p>
      </>
    );
  }
  let data;
  try {
    // The role is asked to the chain at every request: the session only says who signed in.
    const isMerchant = await isMerchantOnChain(session.address as Address);
    if (!isMerchant) {
      // The operator is no merchant, but runs the coalition-wide campaigns from here.
      const { operator } = await rolesOf(session.address as Address);
      return (
        <>
          <h1>{t("merchant.title")}</h1>
          <p className="warning" role="alert" data-testid="not-merchant">
            {t("merchant.notMerchant", { address: session.address })}
          </p>
          {operator && <CoalitionCampaigns />}
        </>
      );
    }
    const [merchants, rewards, analytics, settings] = await Promise.all([
      getMerchants(),
      getCatalog({ merchant: session.address }),
      getMerchantAnalytics(session.address),
      getSettings(),
    ]);
    data = { merchant: merchants.find((m) => m.address === session.address.toLowerCase()), rewards, analytics, settings };
  } catch (error) {
    return (
      <>
        <h1>{t("merchant.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  const { merchant, rewards, analytics, settings } = data;
  const allowance = merchant?.allowance ?? 0n;
  const short = (day: string) => day.slice(5).replace("-", "/");
  const retention = analytics.retention;

  return (
    <>
      <h1>{t("merchant.title")}</h1>
      <p>
        <strong data-testid="merchant-name">{merchant?.name ?? session.address}</strong> — {t("merchant.allowance", { allowance: formatPoints(allowance, locale) })}
      </p>

      <div className="grid">
        <section aria-labelledby="issue-title" className="card">
          <h2 id="issue-title">{t("issue.title")}</h2>
          <IssueForm merchant={session.address} allowance={allowance} />
        </section>
        <section aria-labelledby="accept-title" className="card">
          <h2 id="accept-title">{t("accept.title")}</h2>
          <AcceptVoucher merchant={session.address} />
        </section>
      </div>

      <PurchaseApiSections merchant={session.address as Address} tiers={settings.tierThresholds.length + 1} />

      <section aria-labelledby="rewards-title">
        <h2 id="rewards-title">{t("rewards.title")}</h2>
        {rewards.length === 0 ? (
          <p>{t("rewards.none")}</p>
        ) : (
          <Table
            caption={t("rewards.title")}
            columns={[
              { label: t("rewards.name") },
              { label: t("rewards.cost"), numeric: true },
              { label: t("rewards.minted"), numeric: true },
              { label: t("rewards.state") },
              { label: t("rewards.action") },
            ]}
            testId="merchant-rewards"
          >
            {rewards.map((r) => (
              <tr key={r.id.toString()}>
                <td>
                  {r.name}
                  <span className="small muted"> · {t(`category.${r.category}` as MessageKey)}</span>
                </td>
                <td className="num">{r.mintOnly ? "—" : formatPoints(r.cost, locale)}</td>
                <td className="num">
                  {formatPoints(r.minted, locale)} / {formatPoints(r.supplyCap, locale)}
                </td>
                <td>{r.paused ? t("reward.paused") : t("rewards.active")}</td>
                <td>
                  <PauseButton merchant={session.address} rewardId={r.id} paused={r.paused} name={r.name} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <div className="grid" style={{ marginTop: "1rem" }}>
        <section aria-labelledby="create-title" className="card">
          <h2 id="create-title">{t("create.title")}</h2>
          <CreateRewardForm merchant={session.address} tiers={settings.tierThresholds.length + 1} />
        </section>
        <section aria-labelledby="mint-title" className="card">
          <h2 id="mint-title">{t("mint.title")}</h2>
          <p className="small muted">{t("mint.intro")}</p>
          <MintExclusiveForm merchant={session.address} rewards={rewards.map((r) => ({ id: r.id, name: r.name, left: r.supplyCap - r.minted, paused: r.paused }))} />
        </section>
      </div>

      <section aria-labelledby="analytics-title">
        <h2 id="analytics-title">{t("analytics.title")}</h2>
        <dl className="stats">
          <div>
            <dt>{t("analytics.outstanding")}</dt>
            <dd>{formatPoints(analytics.outstanding.at(-1)?.value ?? 0n, locale)}</dd>
          </div>
          <div>
            <dt>{t("analytics.active", { days: analytics.periodDays })}</dt>
            <dd>{analytics.activeMembers.at(-1)?.count ?? 0}</dd>
          </div>
          <div>
            <dt>{t("analytics.retention")}</dt>
            <dd>{percent(BigInt(retention.both), BigInt(retention.earlier), locale)}</dd>
          </div>
        </dl>
        <p className="small muted">{t("analytics.retentionHow", { both: retention.both, earlier: retention.earlier, days: analytics.periodDays })}</p>
        <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(min(100%, 460px), 1fr))" }}>
          <BarChart
            id="chart-daily"
            title={t("analytics.daily")}
            description={t("analytics.dailyDesc", {
              days: analytics.days.length,
              issued: formatPoints(analytics.issued.reduce((a, d) => a + d.value, 0n), locale),
              redeemed: formatPoints(analytics.redeemed.reduce((a, d) => a + d.value, 0n), locale),
            })}
            labels={analytics.days.map(short)}
            series={[
              { label: t("analytics.issued"), className: "bar-a", color: "#1d3557", values: analytics.issued.map((d) => d.value) },
              { label: t("analytics.redeemed"), className: "bar-b", color: "#c1121f", values: analytics.redeemed.map((d) => d.value) },
            ]}
            locale={locale}
            tableLabel={t("analytics.showData")}
            tickEvery={10}
          />
          <LineChart
            id="chart-outstanding"
            title={t("analytics.outstandingChart")}
            description={t("analytics.outstandingDesc", { amount: formatPoints(analytics.outstanding.at(-1)?.value ?? 0n, locale) })}
            labels={analytics.days.map(short)}
            values={analytics.outstanding.map((d) => d.value)}
            seriesLabel={t("analytics.outstanding")}
            locale={locale}
            tableLabel={t("analytics.showData")}
            tickEvery={10}
          />
          <BarChart
            id="chart-active"
            title={t("analytics.activeChart", { days: analytics.periodDays })}
            description={t("analytics.activeDesc", { counts: analytics.activeMembers.map((a) => a.count).join(", ") })}
            labels={analytics.activeMembers.map((a) => t("analytics.since", { date: short(a.start) }))}
            series={[{ label: t("analytics.members"), className: "bar-a", color: "#1d3557", values: analytics.activeMembers.map((a) => BigInt(a.count)) }]}
            locale={locale}
            tableLabel={t("analytics.showData")}
          />
          <BarChart
            id="chart-tiers"
            title={t("analytics.tiers")}
            description={analytics.tierDistribution.map((d) => `${t(`tier.${d.tier}` as MessageKey)}: ${d.count}`).join(", ")}
            labels={analytics.tierDistribution.map((d) => t(`tier.${d.tier}` as MessageKey))}
            series={[{ label: t("analytics.members"), className: "bar-a", color: "#1d3557", values: analytics.tierDistribution.map((d) => BigInt(d.count)) }]}
            locale={locale}
            tableLabel={t("analytics.showData")}
          />
        </div>
      </section>
    </>
  );
}
