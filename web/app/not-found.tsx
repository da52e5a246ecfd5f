import Link from "next/link";
import { getI18n } from "@/lib/i18n/server.ts";

export default async function NotFound() {
  const { t } = await getI18n();
  return (
    <>
      <h1>{t("notFound.title")}</h1>
      <p>
        <Link href="/">{t("nav.home")}</Link>
      </p>
    </>
  );
}
