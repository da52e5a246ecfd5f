import { accountState } from "@/lib/auth/account-state.ts";
import { resendVerification } from "@/lib/auth/email-trust.ts";
import { appDb } from "@/lib/data/db.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST (a signed-in email member) → 202 { sent }: a new verification link; 409 already_verified. */
export const POST = route({
  auth: "member",
  body: false,
  async handle({ session }) {
    const state = await accountState(appDb(), session);
    if (!state.ok) return fail(state.status, state.code, state.message);
    if (!state.user || session.kind !== "custodial") return fail(409, "no_email", "this account has no email address to verify");
    return resendVerification(appDb(), state.user.id);
  },
});
