import { startMove } from "@/lib/custody/move.ts";
import { siteDomain } from "@/lib/auth/session.ts";
import { handleMember, moveDeps } from "@/lib/custody/server.ts";

export const dynamic = "force-dynamic";

/**
 * POST { wallet, nonce, signature }: the member proved they control `wallet` (moveProofMessage of
 * lib/custody/move-proof.ts with a nonce from GET /api/auth/nonce); the move starts (then
 * POST /api/member/move/continue until it answers { step: "done" }).
 */
export async function POST(request: Request) {
  return handleMember(request, ({ session, body }) => startMove(moveDeps(), session, body, siteDomain(request)));
}
