import type { Queryable } from "../../../../scripts/lib/queryable.ts";
import type { MailSettings } from "../config.ts";
import type { MailJob } from "../queue.ts";
import type { MailLanguage, RenderedMail } from "../templates/layout.ts";

/** What one kind of job sends: the mail to write now, or why it is no longer worth sending. */
export type Composed = { to: string; mail: RenderedMail } | { skip: string };

export type ComposeMail = (db: Queryable, job: MailJob, settings: MailSettings) => Promise<Composed>;

export interface LinkRow {
  email: string | null;
  language: string;
  sent_to: string;
  expires_at: Date;
  used: boolean;
  expired: boolean;
  deleted: boolean;
  verified: boolean;
}

/** The link's row with its account, read when the mail is written (the account may have changed since). */
export async function linkRow(db: Queryable, job: MailJob, purpose: "verify" | "reset"): Promise<LinkRow | null> {
  const { rows } = await db.query<LinkRow>(
    `SELECT u.email, u.language, t.email AS sent_to, t.expires_at, t.used_at IS NOT NULL AS used, t.expires_at <= now() AS expired,
            u.deleted_at IS NOT NULL AS deleted, u.email_verified_at IS NOT NULL AS verified
       FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.user_id = $2 AND t.purpose = $3`,
    [job.tokenId, job.userId, purpose],
  );
  return rows[0] ?? null;
}

/** Why a link's mail would be pointless now (used, expired, account gone or its address changed). */
export function staleLink(row: LinkRow | null): string | null {
  if (!row) return "the link no longer exists";
  if (row.deleted) return "the account was deleted";
  if (row.email !== row.sent_to) return "the account's address changed";
  if (row.used) return "the link was used";
  if (row.expired) return "the link expired";
  return null;
}

export const languageOf = (row: LinkRow): MailLanguage => (row.language === "en" ? "en" : "fr");
