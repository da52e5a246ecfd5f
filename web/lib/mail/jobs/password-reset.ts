/** Job "password-reset": the link of a password reset request (fact reset:<user>:<link>). */
import { linkToken } from "../../auth/email-links.ts";
import { passwordResetMail } from "../templates/password-reset.ts";
import { languageOf, linkRow, staleLink, type ComposeMail } from "./types.ts";

export const composePasswordReset: ComposeMail = async (db, job, settings) => {
  const row = await linkRow(db, job, "reset");
  const stale = staleLink(row);
  if (stale) return { skip: stale };
  const url = `${settings.appOrigin}/reset-password#token=${linkToken("reset", job.tokenId)}`;
  return { to: row!.sent_to, mail: passwordResetMail({ language: languageOf(row!), programme: settings.programme, url, expiresAt: row!.expires_at }) };
};
