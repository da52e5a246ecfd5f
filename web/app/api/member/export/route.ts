import { appDb } from "@/lib/data/db.ts";
import { exportData } from "@/lib/custody/privacy.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** GET: every personal datum of the signed-in member, as a JSON attachment (GDPR art. 15 and 20). */
export const GET = route({
  auth: "member",
  async handle({ session }) {
    const r = await exportData(appDb(), session);
    if (!("body" in r)) return r;
    const name = `fidelite-export-${session.address.slice(2, 10).toLowerCase()}-${new Date().toISOString().slice(0, 10)}.json`;
    return json(r.body, { headers: { "content-disposition": `attachment; filename="${name}"` } });
  },
});
