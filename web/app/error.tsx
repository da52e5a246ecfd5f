"use client";
import { useI18n } from "@/lib/i18n/client.tsx";

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <h1>{t("errorPage.title")}</h1>
      <p>{t("unavailable.generic")}</p>
      <button type="button" className="button" onClick={reset}>
        {t("errorPage.retry")}
      </button>
    </>
  );
}
