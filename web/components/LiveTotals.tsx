"use client";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "@/lib/i18n/client.tsx";
import { formatPoints } from "@/lib/format.ts";

interface Totals {
  pointsInCirculation: string;
  members: number;
  rewardsRedeemed: number;
}

/** The program's totals, refreshed every few seconds from the mirror. */
export function LiveTotals({ initial }: { initial: Totals }) {
  const { t, locale } = useI18n();
  const { data } = useQuery<Totals>({
    queryKey: ["stats"],
    queryFn: () => fetch("/api/stats", { cache: "no-store" }).then((r) => r.json()),
    initialData: initial,
    refetchInterval: 5_000,
  });
  const d = data ?? initial;
  return (
    <dl className="stats" data-testid="live-totals">
      <div>
        <dt>{t("home.totals.points")}</dt>
        <dd>{formatPoints(BigInt(d.pointsInCirculation), locale)}</dd>
      </div>
      <div>
        <dt>{t("home.totals.members")}</dt>
        <dd>{formatPoints(BigInt(d.members), locale)}</dd>
      </div>
      <div>
        <dt>{t("home.totals.redeemed")}</dt>
        <dd>{formatPoints(BigInt(d.rewardsRedeemed), locale)}</dd>
      </div>
    </dl>
  );
}
