import { appDb } from "@/lib/data/db.ts";
import { getConsents, setConsents } from "@/lib/custody/privacy.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** GET → { consents: { marketing, partners, analytics }, history: [{ choice, granted, source, at }] }. */
export const GET = route({ auth: "member", handle: ({ session }) => getConsents(appDb(), session) });

/** POST { marketing?, partners?, analytics? } → the same, after recording the changes. */
export const POST = route({ auth: "member", handle: ({ session, body }) => setConsents(appDb(), session, body) });
