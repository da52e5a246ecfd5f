import { startMove } from "@/lib/custody/move.ts";
import { browserAskedFor, cookieWithoutNonce } from "@/lib/auth/nonces.ts";
import { siteDomain } from "@/lib/auth/session.ts";
import { handleMember, moveDeps } from "@/lib/custody/server.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

/**
 * POST { wallet, nonce, signature }: the member proved they control `wallet` (moveProofMessage of
 * lib/custody/move-proof.ts with a nonce this browser got from GET /api/auth/nonce, for this site's
 * configured domain); the move starts (then POST /api/member/move/continue until it answers
 * { step: "done" }).
 */
export async function POST(request: Request) {
  return handleMember(request, async ({ session, body }) => {
    const nonce = (body as { nonce?: unknown } | null)?.nonce;
    const r = browserAskedFor(request, nonce)
      ? await startMove(moveDeps(), session, body, siteDomain())
      : { status: 401, error: { code: "bad_nonce", message: "this nonce was not issued to this browser: ask for a new one" } };
    const response = "error" in r ? json({ error: r.error }, { status: r.status }) : json(r.body, { status: r.status });
    response.headers.append("set-cookie", cookieWithoutNonce(request, nonce));
    return response;
  });
}
