/**
 * POST { request: SignedForwardRequest } → { hash, status, blockNumber }: a self-custody member's
 * request, signed in their own wallet, submitted by the platform's relayer (the member pays no gas).
 * Only for the signed-in wallet's own requests (the session is a Sign-In with Ethereum one, and
 * `from` is its address), same-origin, 8 KiB at most; the relayer then applies its allowlist and
 * gas caps, refuses useless calls, verifies the signature and deadline on the forwarder, counts
 * the quotas of this address, account and client address, and simulates before sending (a refusal
 * is a RelayRejectedError, answered by the edge with its status and code).
 */
import { getAddress } from "viem";
import { fail, ok } from "@/lib/edge/result.ts";
import { route } from "@/lib/edge/route.ts";
import { relayer } from "@/lib/relayer/index.ts";
import { parseForwardRequest } from "@/lib/relayer/wire.ts";

export const dynamic = "force-dynamic";

export const POST = route({
  auth: "member",
  async handle({ session, body, ip }) {
    if (session.kind !== "wallet") return fail(403, "wallet_session_required", "only a wallet signed in with Ethereum sends its own signed requests");
    const parsed = parseForwardRequest(body);
    if (typeof parsed === "string") return fail(400, "bad_request", parsed);
    if (parsed.from !== getAddress(session.address)) return fail(403, "not_your_request", "the request is not from the signed-in wallet");
    const tx = await relayer().forward(parsed, { account: `wallet:${session.address}`, ip });
    return ok({ hash: tx.hash, status: tx.status, blockNumber: tx.blockNumber.toString(), ...(tx.revertReason ? { revertReason: tx.revertReason } : {}) });
  },
});
