/**
 * POST { request: SignedForwardRequest } → { hash, status, blockNumber }: a self-custody member's
 * request, signed in their own wallet, submitted by the platform's relayer (the member pays no gas).
 * Only for the signed-in wallet's own requests (the session is a Sign-In with Ethereum one, and
 * `from` is its address), same-origin, 8 KiB at most; the relayer then applies its allowlist and
 * gas caps, refuses useless calls, verifies the signature and deadline on the forwarder, counts
 * the quotas of this address, account and client address, and simulates before sending.
 */
import { getAddress } from "viem";
import { clientIp } from "@/lib/client-ip.ts";
import { handleMember } from "@/lib/custody/server.ts";
import { relayer, RelayRejectedError } from "@/lib/relayer/index.ts";
import { parseForwardRequest } from "@/lib/relayer/wire.ts";

export const dynamic = "force-dynamic";

export async function POST(request: Request) {
  return handleMember(request, async ({ session, body }) => {
    if (session.kind !== "wallet") return { status: 403, error: { code: "wallet_session_required", message: "only a wallet signed in with Ethereum sends its own signed requests" } };
    const parsed = parseForwardRequest(body);
    if (typeof parsed === "string") return { status: 400, error: { code: "bad_request", message: parsed } };
    if (parsed.from !== getAddress(session.address)) return { status: 403, error: { code: "not_your_request", message: "the request is not from the signed-in wallet" } };
    try {
      const tx = await relayer().forward(parsed, { account: `wallet:${session.address}`, ip: clientIp(request) });
      return { status: 200, body: { hash: tx.hash, status: tx.status, blockNumber: tx.blockNumber.toString(), ...(tx.revertReason ? { revertReason: tx.revertReason } : {}) } };
    } catch (e) {
      if (e instanceof RelayRejectedError) return { status: e.status, error: { code: e.code, message: e.message } };
      throw e;
    }
  });
}
