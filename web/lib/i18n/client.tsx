"use client";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { makeTranslator, type Locale, type Messages, type Translate } from "./index.ts";

const I18nContext = createContext<{ locale: Locale; t: Translate } | null>(null);

/**
 * `dictionary`: the active language's dictionary as JSON text, passed by the server (the other
 * language never reaches the browser; lib/i18n/catalogs.ts says why it is text).
 */
export function I18nProvider({ locale, dictionary, children }: { locale: Locale; dictionary: string; children: ReactNode }) {
  const value = useMemo(() => ({ locale, t: makeTranslator(locale, JSON.parse(dictionary) as Messages) }), [locale, dictionary]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
