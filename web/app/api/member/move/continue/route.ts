import type { Address } from "viem";
import { SESSION_TTL_SECONDS, sessionCookie } from "@/lib/auth/session.ts";
import { chainId } from "@/lib/config.ts";
import { continueMove } from "@/lib/custody/move.ts";
import { moveDeps } from "@/lib/custody/server.ts";
import { json } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/**
 * POST: the next step of the move (points, then rewards, then done). When done, the session
 * becomes the wallet's (kind "wallet"): the custodial one was revoked with the key.
 */
export const POST = route({
  auth: "member",
  body: false,
  async handle({ session }) {
    const r = await continueMove(moveDeps(), session);
    if (!("body" in r) || r.body.step !== "done") return r;
    const issuedAt = Math.floor(Date.now() / 1000);
    const response = json(r.body);
    response.headers.append(
      "set-cookie",
      sessionCookie({ address: r.body.wallet as Address, chainId: chainId(), kind: "wallet", issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS, version: r.body.version as number }),
    );
    return response;
  },
});
