import { cookieWithNonce, issueNonce } from "@/lib/auth/nonces.ts";
import { json } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

/** GET → { nonce }: a one-time nonce for a SIWE message or a move-to-wallet proof, bound to this browser by a cookie. */
export async function GET(request: Request) {
  const nonce = await issueNonce();
  const response = json({ nonce });
  response.headers.append("set-cookie", cookieWithNonce(request, nonce));
  return response;
}
