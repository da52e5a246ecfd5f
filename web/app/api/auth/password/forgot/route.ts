import { checkEmail } from "@/lib/auth/accounts.ts";
import { requestPasswordReset } from "@/lib/auth/email-trust.ts";
import { appDb } from "@/lib/data/db.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { email } → 202, the same answer whether or not an account has this email. */
export const POST = route({
  auth: "same-origin",
  handle: ({ body, ip }) => requestPasswordReset(appDb(), body, ip, checkEmail),
});
