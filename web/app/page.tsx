import Link from "next/link";
import { EarningRules } from "@/components/EarningRules.tsx";
import { LiveTotals } from "@/components/LiveTotals.tsx";
import { RewardCard } from "@/components/RewardCard.tsx";
import { Unavailable } from "@/components/Unavailable.tsx";
import { publicConfig } from "@/lib/config.ts";
import { getCatalog, getProgramStats } from "@/lib/data/index.ts";
import { formatPoints } from "@/lib/format.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import type { MessageKey } from "@/lib/i18n/index.ts";
import { Table } from "@/components/Table.tsx";

export const dynamic = "force-dynamic";

export default async function Home() {
  const { t, locale } = await getI18n();
  let data;
  try {
    const [stats, catalog] = await Promise.all([getProgramStats(), getCatalog()]);
    data = { stats, catalog, config: publicConfig() };
  } catch (error) {
    return (
      <>
        <h1>{t("home.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  const { stats, catalog, config } = data;
  const thresholds = stats.settings.tierThresholds;
  const days = stats.settings.inactivityPeriod / 86_400n;
  return (
    <>
      <h1>{t("home.title")}</h1>
      <p className="lead">{t("home.intro")}</p>

      <section aria-labelledby="totals">
        <h2 id="totals">{t("home.totals.title")}</h2>
        <LiveTotals initial={{ pointsInCirculation: stats.pointsInCirculation.toString(), members: stats.members, rewardsRedeemed: stats.rewardsRedeemed }} />
      </section>

      <section aria-labelledby="earn">
        <h2 id="earn">{t("home.earn.title")}</h2>
        <p>{t("home.earn.rate")}</p>
        <EarningRules merchants={stats.merchants.filter((m) => m.active)} />
        <p>{t("home.earn.where")}</p>
      </section>

      <section aria-labelledby="tiers">
        <h2 id="tiers">{t("home.tiers.title")}</h2>
        <p>{t("home.tiers.intro")}</p>
        <Table
          caption={t("home.tiers.title")}
          columns={[
            { label: t("home.tiers.tier") },
            { label: t("home.tiers.threshold"), numeric: true },
            { label: t("home.tiers.perks") },
          ]}
        >
          {[0n, ...thresholds].map((threshold, tier) => (
            <tr key={tier}>
              <th scope="row">{t(`tier.${tier}` as MessageKey)}</th>
              <td className="num">{formatPoints(threshold, locale)}</td>
              <td>
                {t(`tier.perks.${Math.min(tier, 3)}` as MessageKey)}
                {catalog.filter((r) => r.minTier === tier && !r.mintOnly).length > 0 && (
                  <> {t("home.tiers.unlocks", { rewards: catalog.filter((r) => r.minTier === tier && !r.mintOnly).map((r) => r.name).join(", ") })}</>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </section>

      <section aria-labelledby="expiry">
        <h2 id="expiry">{t("home.expiry.title")}</h2>
        <p>{days > 0n ? t("home.expiry.rule", { days }) : t("home.expiry.never")}</p>
      </section>

      <section aria-labelledby="catalog">
        <div className="section-head">
          <h2 id="catalog">{t("home.catalog.title")}</h2>
          <Link href="/member#catalog">{t("home.catalog.redeem")}</Link>
        </div>
        <div className="grid">
          {catalog.map((r) => (
            <RewardCard key={r.id.toString()} reward={r} t={t} locale={locale} />
          ))}
        </div>
      </section>

      <section aria-labelledby="merchants">
        <h2 id="merchants">{t("home.merchants.title")}</h2>
        <ul>
          {stats.merchants.filter((m) => m.active).map((m) => (
            <li key={m.address}>
              <strong>{m.name}</strong> <span className="mono small">{m.address}</span>
            </li>
          ))}
        </ul>
        {stats.charities.length > 0 && (
          <>
            <h3>{t("home.charities.title")}</h3>
            <ul>
              {stats.charities.map((c) => (
                <li key={c.address}>
                  <strong>{c.name}</strong> <span className="mono small">{c.address}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="contracts">
        <h2 id="contracts">{t("home.contracts.title")}</h2>
        <dl className="kv">
          <dt>{t("home.contracts.chain")}</dt>
          <dd>{config.chainName} ({config.chainId})</dd>
          <dt>LoyaltyPoints</dt>
          <dd className="mono">{config.points}</dd>
          <dt>RewardNFT</dt>
          <dd className="mono">{config.rewards}</dd>
          <dt>LoyaltyForwarder</dt>
          <dd className="mono">{config.forwarder}</dd>
          {stats.status && (
            <>
              <dt>{t("home.contracts.mirror")}</dt>
              <dd>{t("home.contracts.mirrorAt", { block: stats.status.cursorNumber })}</dd>
            </>
          )}
        </dl>
        <p>
          <Link href="/audit">{t("home.contracts.audit")}</Link>
        </p>
      </section>
    </>
  );
}
