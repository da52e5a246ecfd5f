import { CLEAR_SESSION_COOKIE } from "@/lib/auth/session.ts";
import { appDb } from "@/lib/data/db.ts";
import { deleteAccount } from "@/lib/custody/privacy.ts";
import { holdingsOnChain } from "@/lib/custody/server.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/**
 * POST { password?, confirmLoss? }: erases the member's personal data (email, password, consents,
 * the custodial key) and signs them out everywhere; 409 still_holds_assets while the account holds
 * points or rewards and confirmLoss is not true.
 */
export const POST = route({
  auth: "member",
  async handle({ session, body }) {
    const r = await deleteAccount(appDb(), session, body, holdingsOnChain);
    if (!("body" in r)) return r;
    const response = json(r.body);
    response.headers.append("set-cookie", CLEAR_SESSION_COOKIE);
    return response;
  },
});
