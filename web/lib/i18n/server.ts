import "server-only";
import { cookies } from "next/headers";
import { dictionaryJson, translator } from "./catalogs.ts";
import { DEFAULT_LOCALE, isLocale, LOCALE_COOKIE, type Locale } from "./index.ts";

export async function getLocale(): Promise<Locale> {
  const value = (await cookies()).get(LOCALE_COOKIE)?.value;
  return isLocale(value) ? value : DEFAULT_LOCALE;
}

/** The request's language, its translator and its dictionary as JSON text (for the client I18nProvider). */
export async function getI18n() {
  const locale = await getLocale();
  return { locale, t: translator(locale), dictionary: dictionaryJson(locale) };
}
