import type { ReactNode } from "react";
import type { CatalogReward } from "@/lib/data/types.ts";
import { formatDate, formatPoints } from "@/lib/format.ts";
import type { Locale, MessageKey, Translate } from "@/lib/i18n/index.ts";

export function rewardImage(src: string) {
  return /^\/rewards\/[a-z0-9-]+\.svg$/.test(src) ? src : "/rewards/default.svg";
}

export function RewardCard({ reward, t, locale, children }: { reward: CatalogReward; t: Translate; locale: Locale; children?: ReactNode }) {
  const left = reward.supplyCap - reward.minted;
  return (
    <article className="card reward" aria-labelledby={`reward-${reward.id}`} data-testid={`reward-${reward.id}`}>
      <img src={rewardImage(reward.image)} alt="" width={240} height={120} />
      <div>
        <h3 id={`reward-${reward.id}`}>{reward.name}</h3>
        <p className="small">{reward.description}</p>
        <ul className="meta">
          <li>
            <strong>{reward.mintOnly ? t("reward.mintOnly") : t("reward.cost", { cost: formatPoints(reward.cost, locale) })}</strong>
          </li>
          <li>{t(`category.${reward.category}` as MessageKey)}</li>
          <li>{t("reward.minTier", { tier: t(`tier.${reward.minTier}` as MessageKey) })}</li>
          <li>{t("reward.left", { left: formatPoints(left > 0n ? left : 0n, locale), cap: formatPoints(reward.supplyCap, locale) })}</li>
          {reward.merchantName && <li>{reward.merchantName}</li>}
          {reward.validFrom > 0n && <li>{t("reward.from", { date: formatDate(Number(reward.validFrom) * 1000, locale) })}</li>}
          {reward.validUntil > 0n && <li>{t("reward.until", { date: formatDate(Number(reward.validUntil) * 1000, locale) })}</li>}
          {reward.soulbound && <li>{t("reward.soulbound")}</li>}
          {reward.paused && <li className="badge">{t("reward.paused")}</li>}
        </ul>
      </div>
      {children && <div>{children}</div>}
    </article>
  );
}
