import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/member/EmailLinkForms.tsx";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getI18n()).t("auth.resetTitle"), referrer: "no-referrer" };
}

export default async function Page() {
  const { t } = await getI18n();
  return (
    <>
      <h1>{t("auth.resetTitle")}</h1>
      <p>{t("auth.resetIntro")}</p>
      <div className="card">
        <ResetPasswordForm />
      </div>
    </>
  );
}
