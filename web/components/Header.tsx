import Link from "next/link";
import { getSession } from "@/lib/auth/session.ts";
import { getAccountSummary } from "@/lib/data/index.ts";
import { getI18n } from "@/lib/i18n/server.ts";
import { HeaderAccount, type Me } from "./HeaderAccount.tsx";
import { LanguageSwitcher } from "./LanguageSwitcher.tsx";

export async function Header() {
  const { t } = await getI18n();
  const session = await getSession();
  let me: Me = { session: null };
  if (session) {
    const s = await getAccountSummary(session.address).catch(() => null);
    me = { session: { address: session.address, kind: session.kind }, balance: (s?.balance ?? 0n).toString(), tier: s?.tier ?? 0 };
  }
  return (
    <header className="site-header">
      <a href="#main" className="skip-link">
        {t("nav.skip")}
      </a>
      <div className="header-row">
        <Link href="/" className="brand">
          <span aria-hidden="true">◆</span> {t("app.name")}
        </Link>
        <HeaderAccount initial={me} />
      </div>
      <div className="header-row">
        <nav aria-label={t("nav.label")} className="main-nav">
          <ul>
            <li><Link href="/">{t("nav.home")}</Link></li>
            <li><Link href="/member">{t("nav.member")}</Link></li>
            <li><Link href="/merchant">{t("nav.merchant")}</Link></li>
            <li><Link href="/audit">{t("nav.audit")}</Link></li>
          </ul>
        </nav>
        <LanguageSwitcher />
      </div>
    </header>
  );
}
