import { appDb } from "@/lib/data/db.ts";
import { getConsents, setConsents } from "@/lib/custody/privacy.ts";
import { handleMember } from "@/lib/custody/server.ts";

export const dynamic = "force-dynamic";

/** GET → { consents: { marketing, partners, analytics }, history: [{ choice, granted, source, at }] }. */
export async function GET(request: Request) {
  return handleMember(request, ({ session }) => getConsents(appDb(), session), { body: false });
}

/** POST { marketing?, partners?, analytics? } → the same, after recording the changes. */
export async function POST(request: Request) {
  return handleMember(request, ({ session, body }) => setConsents(appDb(), session, body));
}
