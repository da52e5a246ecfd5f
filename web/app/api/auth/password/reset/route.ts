import { resetPassword } from "@/lib/auth/email-trust.ts";
import { CLEAR_SESSION_COOKIE } from "@/lib/auth/session.ts";
import { appDb } from "@/lib/data/db.ts";
import { json, respond } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { token, password } → 200 { reset }: every session of the account is revoked (this
 * browser's cookie cleared too: log in with the new password); 400/409/410 for the link. */
export const POST = route({
  auth: "same-origin",
  async handle({ body }) {
    const r = await resetPassword(appDb(), body);
    if ("error" in r) return respond(r);
    const response = json(r.body);
    response.headers.append("set-cookie", CLEAR_SESSION_COOKIE);
    return response;
  },
});
