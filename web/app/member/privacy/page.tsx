import type { Metadata } from "next";
import Link from "next/link";
import { AccountDeleted, PrivacySettings, type ConsentView } from "@/components/member/PrivacySettings.tsx";
import { Unavailable } from "@/components/Unavailable.tsx";
import { getSession } from "@/lib/auth/session.ts";
import { getConsents } from "@/lib/custody/privacy.ts";
import { appDb } from "@/lib/data/db.ts";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("privacy.title") };
}

export default async function PrivacyPage({ searchParams }: { searchParams: Promise<{ deleted?: string }> }) {
  const { t } = await getI18n();
  const session = await getSession();
  if (!session) {
    const { deleted } = await searchParams;
    return (
      <>
        <h1>{t("privacy.title")}</h1>
        {deleted === "1" && <AccountDeleted />}
        <div className="card">
          <p>{t("privacy.signInPrompt")}</p>
          <p>
            <Link href="/login" className="button">
              {t("nav.login")}
            </Link>
          </p>
        </div>
      </>
    );
  }
  let initial: ConsentView;
  try {
    const r = await getConsents(appDb(), session);
    if (!("body" in r)) throw new Error(r.error.code);
    initial = JSON.parse(JSON.stringify(r.body)) as ConsentView;
  } catch (error) {
    return (
      <>
        <h1>{t("privacy.title")}</h1>
        <Unavailable error={error} t={t} />
      </>
    );
  }
  return (
    <>
      <h1>{t("privacy.title")}</h1>
      <p className="muted small mono">{session.address}</p>
      <p>
        <Link href="/member">{t("privacy.back")}</Link>
      </p>
      <PrivacySettings kind={session.kind} initial={initial} />
    </>
  );
}
