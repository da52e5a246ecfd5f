/**
 * Locales, message lookup and interpolation, shared by server and client components. No dictionary
 * here: the server holds both (catalogs.ts) and hands the browser the active language's only
 * (the root layout passes it to the client I18nProvider), so the other one is never downloaded.
 */
import type { MessageKey } from "./messages/en.ts";

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "fr";
export const LOCALE_COOKIE = "lang";
export type { MessageKey };
/** One language's dictionary: every key has its text (checked by the type). */
export type Messages = Record<MessageKey, string>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export type Vars = Record<string, string | number | bigint>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

/** `{name}` placeholders are replaced by `vars.name` (numbers formatted for the locale). */
export function makeTranslator(locale: Locale, messages: Messages): Translate {
  const nf = new Intl.NumberFormat(intlLocale(locale));
  return (key, vars) => {
    const text = messages[key] ?? key;
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
