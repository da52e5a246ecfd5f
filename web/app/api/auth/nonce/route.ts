import { cookieWithNonce, issueNonce } from "@/lib/auth/nonces.ts";
import { attempt } from "@/lib/auth/rate-limit.ts";
import { appDb } from "@/lib/data/db.ts";
import { json, tooMany } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

/** Nonces one client address may ask for: each is a row, and a member needs one per sign-in. */
const PER_IP = { max: 60, windowSeconds: 600 };

/** GET → { nonce }: a one-time nonce for a SIWE message or a move-to-wallet proof, bound to this browser by a cookie. */
export const GET = route({
  auth: "public",
  async handle({ request, ip }) {
    const limit = await attempt(appDb(), `nonce:ip:${ip}`, PER_IP);
    if (!limit.ok) return tooMany(limit.retryAfterSeconds, "too many sign-in attempts from this address: try again later");
    const nonce = await issueNonce();
    const response = json({ nonce });
    response.headers.append("set-cookie", cookieWithNonce(request, nonce));
    return response;
  },
});
