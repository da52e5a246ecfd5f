/**
 * The home page's "how you earn": each active shop's earning rules (the defaults for a shop that set
 * none) and the campaigns running now, read from the app's tables at each request.
 */
import { Table } from "@/components/Table.tsx";
import type { MerchantView } from "@/lib/data/types.ts";
import { intlLocale, type MessageKey } from "@/lib/i18n/index.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import { apiPool } from "@/lib/purchases/server.ts";
import { DEFAULT_RULES, formatScaled, percent } from "@/lib/purchases/rules.ts";
import { allRules, currentCampaigns } from "@/lib/purchases/store.ts";

export async function EarningRules({ merchants }: { merchants: MerchantView[] }) {
  const { t, locale } = await getI18n();
  const pool = apiPool();
  const [rules, campaigns] = await Promise.all([allRules(pool), currentCampaigns(pool)]);
  const now = new Date();
  const running = campaigns.filter((c) => c.startsAt <= now);
  const names = new Map(merchants.map((m) => [m.address.toLowerCase(), m.name]));
  const date = (d: Date) => d.toLocaleDateString(intlLocale(locale), { dateStyle: "medium" });
  return (
    <>
      <Table
        caption={t("home.earn.title")}
        columns={[{ label: t("home.earn.shop") }, { label: t("home.earn.perEuro"), numeric: true }, { label: t("home.earn.cashback"), numeric: true }, { label: t("home.earn.tiers") }, { label: t("home.earn.referral") }]}
        testId="earning-rules"
      >
        {merchants.map((m) => {
          const r = rules.get(m.address.toLowerCase()) ?? DEFAULT_RULES;
          const bonuses = r.tierMultipliersBps.map((bps, tier) => [tier, bps] as const).filter(([, bps]) => bps > 10_000n);
          return (
            <tr key={m.address}>
              <th scope="row">{m.name}</th>
              <td className="num">{r.pointsPerEuro.toString()}</td>
              <td className="num">{r.cashbackBps > 0n ? percent(r.cashbackBps) : t("home.earn.none")}</td>
              <td>{bonuses.length ? bonuses.map(([tier, bps]) => `${t(`tier.${Math.min(tier, 3)}` as MessageKey)} ×${formatScaled(bps, 4)}`).join(", ") : t("home.earn.none")}</td>
              <td>{r.referralBonusPoints > 0n ? t("home.earn.referralPoints", { points: r.referralBonusPoints }) : t("home.earn.none")}</td>
            </tr>
          );
        })}
      </Table>
      <h3>{t("home.earn.campaigns")}</h3>
      {running.length === 0 ? (
        <p className="muted">{t("home.earn.noCampaigns")}</p>
      ) : (
        <ul data-testid="home-campaigns">
          {running.map((c) => (
            <li key={c.id}>
              {t("home.earn.campaignLine", {
                name: c.name,
                shop: c.merchant ? (names.get(c.merchant.toLowerCase()) ?? c.merchant) : t("home.earn.allShops"),
                what:
                  c.kind === "multiplier"
                    ? t("campaigns.multiplierText", { factor: formatScaled(c.multiplierBps ?? 10_000n, 4) })
                    : t("campaigns.bonusText", { points: c.bonusPoints ?? 0n, min: formatScaled(c.minAmountCents, 2) }),
                until: date(c.endsAt),
              })}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
