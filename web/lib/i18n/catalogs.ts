/**
 * Both dictionaries, for the server (pages, routes, mail) and Node code. Client components never
 * import this file: they get the active language's dictionary from the root layout (client.tsx).
 */
import { makeTranslator, type Locale, type Messages, type Translate } from "./index.ts";
import { en } from "./messages/en.ts";
import { fr } from "./messages/fr.ts";

export const CATALOGS: Record<Locale, Messages> = { fr, en };

export function translator(locale: Locale): Translate {
  return makeTranslator(locale, CATALOGS[locale]);
}

const JSON_TEXT: Partial<Record<Locale, string>> = {};

/**
 * `locale`'s dictionary as JSON text, for the client I18nProvider. One string prop, not an object:
 * React serializes an object prop key by key into every page's payload (the ~560 entries cost some
 * 30 ms per render on this machine); a string goes through whole.
 */
export function dictionaryJson(locale: Locale): string {
  return (JSON_TEXT[locale] ??= JSON.stringify(CATALOGS[locale]));
}
