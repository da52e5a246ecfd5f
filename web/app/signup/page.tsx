import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthForm } from "@/components/member/AuthForm.tsx";
import { getSession } from "@/lib/auth/session.ts";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  const { t } = await getI18n();
  return { title: t("auth.signupTitle") };
}

export default async function Page() {
  if (await getSession()) redirect("/member");
  const { t } = await getI18n();
  return (
    <>
      <h1>{t("auth.signupTitle")}</h1>
      <p>{t("auth.signupIntro")}</p>
      <div className="card">
        <AuthForm mode="signup" />
      </div>
    </>
  );
}
