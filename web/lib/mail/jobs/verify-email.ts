/** Job "verify-email": the verification link of a new custodial account (fact verify:<user>:<link>). */
import { linkToken } from "../../auth/email-links.ts";
import { verifyEmailMail } from "../templates/verify-email.ts";
import { languageOf, linkRow, staleLink, type ComposeMail } from "./types.ts";

export const composeVerifyEmail: ComposeMail = async (db, job, settings) => {
  const row = await linkRow(db, job, "verify");
  const stale = staleLink(row) ?? (row!.verified ? "the address is already verified" : null);
  if (stale) return { skip: stale };
  const url = `${settings.appOrigin}/verify-email#token=${linkToken("verify", job.tokenId)}`;
  return { to: row!.sent_to, mail: verifyEmailMail({ language: languageOf(row!), programme: settings.programme, url, expiresAt: row!.expires_at }) };
};
