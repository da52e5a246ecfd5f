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
