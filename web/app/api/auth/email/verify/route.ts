import { verifyEmail } from "@/lib/auth/email-trust.ts";
import { appDb } from "@/lib/data/db.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** POST { token } → 200 { verified, email }; 400 invalid_token, 409 token_used, 410 token_expired. */
export const POST = route({
  auth: "same-origin",
  handle: ({ body }) => verifyEmail(appDb(), body),
});
