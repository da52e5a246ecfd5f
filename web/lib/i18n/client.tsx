"use client";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { makeTranslator, type Locale, type Messages, type Translate } from "./index.ts";

const I18nContext = createContext<{ locale: Locale; t: Translate } | null>(null);

/** `messages`: the active language's dictionary, passed by the server (the other one never reaches the browser). */
export function I18nProvider({ locale, messages, children }: { locale: Locale; messages: Messages; children: ReactNode }) {
  const value = useMemo(() => ({ locale, t: makeTranslator(locale, messages) }), [locale, messages]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
