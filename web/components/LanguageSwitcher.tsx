"use client";
import { useRouter } from "next/navigation";
import { useI18n } from "@/lib/i18n/client.tsx";
import { LOCALE_COOKIE, LOCALES, type Locale } from "@/lib/i18n/index.ts";

const NAMES: Record<Locale, string> = { fr: "Français", en: "English" };

/** Switches the language and remembers it for a year (a cookie the server reads). */
export function LanguageSwitcher() {
  const { locale, t } = useI18n();
  const router = useRouter();
  function choose(next: Locale) {
    document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=${365 * 86_400}; samesite=lax`;
    router.refresh();
  }
  return (
    <nav aria-label={t("lang.label")} className="lang">
      <ul>
        {LOCALES.map((l) => (
          <li key={l}>
            <button type="button" lang={l} aria-pressed={l === locale} onClick={() => choose(l)} className="link-button" data-testid={`lang-${l}`}>
              {NAMES[l]}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
