import { CLEAR_SESSION_COOKIE } from "@/lib/auth/session.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

/** POST: this browser's session cookie is cleared (same-origin only). */
export const POST = route({
  auth: "same-origin",
  body: false,
  async handle() {
    const response = json({ ok: true });
    response.headers.append("set-cookie", CLEAR_SESSION_COOKIE);
    return response;
  },
});
