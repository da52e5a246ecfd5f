/** Locales, message lookup and interpolation, shared by server and client components. */
import { en, type MessageKey } from "./messages/en.ts";
import { fr } from "./messages/fr.ts";

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "fr";
export const LOCALE_COOKIE = "lang";
export type { MessageKey };

export const CATALOGS: Record<Locale, Record<MessageKey, string>> = { fr, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export type Vars = Record<string, string | number | bigint>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

/** `{name}` placeholders are replaced by `vars.name` (numbers formatted for the locale). */
export function translator(locale: Locale): Translate {
  const catalog = CATALOGS[locale];
  const nf = new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB");
  return (key, vars) => {
    const text = catalog[key] ?? en[key] ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = vars[name];
      if (v === undefined) return m;
      return typeof v === "string" ? v : nf.format(v);
    });
  };
}

export function intlLocale(locale: Locale) {
  return locale === "fr" ? "fr-FR" : "en-GB";
}
