import type { Metadata } from "next";
import { ForgotPasswordForm } from "@/components/member/EmailLinkForms.tsx";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getI18n()).t("auth.forgotTitle"), referrer: "no-referrer" };
}

export default async function Page() {
  const { t } = await getI18n();
  return (
    <>
      <h1>{t("auth.forgotTitle")}</h1>
      <p>{t("auth.forgotIntro")}</p>
      <div className="card">
        <ForgotPasswordForm />
      </div>
    </>
  );
}
