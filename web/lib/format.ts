/** Display helpers. Amounts are bigint whole points; never floats. */
import { intlLocale, type Locale } from "./i18n/index.ts";

export function formatPoints(value: bigint, locale: Locale): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(value);
}

/** Dates shown in the program's time zone, so server and browser render the same text. */
export const TIME_ZONE = "Europe/Paris";

export function formatDate(date: Date | number, locale: Locale, withTime = false): string {
  const d = typeof date === "number" ? new Date(date) : date;
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
    timeZone: TIME_ZONE,
  }).format(d);
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}

/** Percentage with one decimal, computed on integers (per-mille) to stay exact. */
export function percent(part: bigint, whole: bigint, locale: Locale): string {
  if (whole === 0n) return "—";
  const permille = (part * 1000n) / whole;
  const text = `${permille / 10n}${locale === "fr" ? "," : "."}${permille % 10n}`;
  return locale === "fr" ? `${text} %` : `${text}%`;
}
