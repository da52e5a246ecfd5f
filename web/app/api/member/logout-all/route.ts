import { CLEAR_SESSION_COOKIE } from "@/lib/auth/session.ts";
import { appDb } from "@/lib/data/db.ts";
import { logOutEverywhere } from "@/lib/custody/privacy.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST: every session of this account, on every device, stops working (this one too). */
export const POST = route({
  auth: "member",
  body: false,
  async handle({ session }) {
    const r = await logOutEverywhere(appDb(), session);
    if (!("body" in r)) return r;
    const response = json(r.body);
    response.headers.append("set-cookie", CLEAR_SESSION_COOKIE);
    return response;
  },
});
