import type { Metadata } from "next";
import { AuthPage } from "@/components/member/AuthPage.tsx";
import { getI18n } from "@/lib/i18n/server.ts";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getI18n()).t("auth.loginTitle") };
}

export default function Page() {
  return <AuthPage mode="login" />;
}
