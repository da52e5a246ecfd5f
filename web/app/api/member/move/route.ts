import { startMove } from "@/lib/custody/move.ts";
import { browserAskedFor, cookieWithoutNonce } from "@/lib/auth/nonces.ts";
import { siteDomain } from "@/lib/auth/session.ts";
import { moveDeps } from "@/lib/custody/server.ts";
import { respond } from "@/lib/edge/response.ts";
import { fail } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/**
 * POST { wallet, nonce, signature }: the member proved they control `wallet` (moveProofMessage of
 * lib/custody/move-proof.ts with a nonce this browser got from GET /api/auth/nonce, for this site's
 * configured domain); the move starts (then POST /api/member/move/continue until it answers
 * { step: "done" }).
 */
export const POST = route({
  auth: "member",
  async handle({ request, session, body }) {
    const nonce = (body as { nonce?: unknown } | null)?.nonce;
    const r = browserAskedFor(request, nonce)
      ? await startMove(moveDeps(), session, body, siteDomain())
      : fail(401, "bad_nonce", "this nonce was not issued to this browser: ask for a new one");
    const response = respond(r);
    response.headers.append("set-cookie", cookieWithoutNonce(request, nonce));
    return response;
  },
});
