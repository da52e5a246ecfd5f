/**
 * Sign-In with Ethereum (EIP-4361): checks the message was made for THIS site (its domain, and a URI
 * on its origin, both from APP_URL: never from the request's headers, which a phishing site that
 * replays a member's signature chooses), THIS chain, a nonce this server issued to THIS browser
 * (once), a fresh issue time, that the text is exactly the canonical message of its fields (nothing
 * a wallet shows that this server does not read), and the signature (EOA or ERC-1271/6492 contract
 * wallets); then sets the session.
 */
import { getAddress } from "viem";
import { createSiweMessage, parseSiweMessage, validateSiweMessage, type SiweMessage } from "viem/siwe";
import { browserAskedFor, consumeNonce, cookieWithoutNonce } from "@/lib/auth/nonces.ts";
import { findAccount } from "@/lib/auth/account-state.ts";
import { SESSION_TTL_SECONDS, sessionCookie, siteDomain } from "@/lib/auth/session.ts";
import { appDb } from "@/lib/data/db.ts";
import { chainClient } from "@/lib/chain/server.ts";
import { appOrigin, chainId } from "@/lib/config.ts";
import { json, problem } from "@/lib/edge/response.ts";
import { route } from "@/lib/edge/route.ts";

export const dynamic = "force-dynamic";

const MAX_AGE_MS = 10 * 60_000;

/** The canonical text of parsed fields, or null when they do not make a whole message. */
function canonical(fields: ReturnType<typeof parseSiweMessage>): string | null {
  try {
    return createSiweMessage(fields as SiweMessage);
  } catch {
    return null;
  }
}

export const POST = route({ auth: "same-origin", body: true, handle: ({ request, body }) => signIn(request, (body ?? {}) as { message?: unknown; signature?: unknown }) });

async function signIn(request: Request, body: { message?: unknown; signature?: unknown }): Promise<Response> {
  if (typeof body.message !== "string" || body.message.length > 4000) return problem(400, "bad_message", "message must be a SIWE message");
  if (typeof body.signature !== "string" || !/^0x[0-9a-fA-F]{2,4000}$/.test(body.signature)) return problem(400, "bad_signature", "signature must be hex");
  const message = body.message;
  const signature = body.signature as `0x${string}`;
  const fields = parseSiweMessage(message);
  if (!fields.address || !fields.nonce || !fields.chainId || !fields.issuedAt || !fields.uri) return problem(400, "bad_message", "incomplete SIWE message");
  if (canonical(fields) !== message) return problem(400, "bad_message", "the message is not a canonical EIP-4361 message");
  const refuse = (code: string, text: string) => {
    const response = problem(401, code, text);
    // Whatever went wrong, this browser's nonce is not offered again.
    response.headers.append("set-cookie", cookieWithoutNonce(request, fields.nonce));
    return response;
  };
  const origin = appOrigin();
  const host = siteDomain();
  const now = new Date();
  if (fields.domain !== host || (fields.scheme !== undefined && `${fields.scheme}:` !== new URL(origin).protocol)) return refuse("wrong_domain", "the message was made for another site");
  let uriOrigin = "";
  try {
    uriOrigin = new URL(fields.uri).origin;
  } catch {}
  if (uriOrigin !== origin) return refuse("wrong_uri", "the message URI is not this site");
  if (fields.chainId !== chainId()) return refuse("wrong_chain", `sign in on chain ${chainId()}`);
  if (Math.abs(now.getTime() - fields.issuedAt.getTime()) > MAX_AGE_MS) return refuse("stale", "the message is too old");
  if (!validateSiweMessage({ message: fields, domain: host, time: now })) return refuse("invalid", "the message is expired or not yet valid");
  if (!browserAskedFor(request, fields.nonce)) return refuse("bad_nonce", "this nonce was not issued to this browser: ask for a new one");
  // The nonce is spent before the signature check: a failed attempt cannot be retried with it.
  if (!(await consumeNonce(fields.nonce))) return refuse("bad_nonce", "unknown or used nonce: ask for a new one");
  const valid = await chainClient()
    .verifySiweMessage({ message, signature, domain: host, nonce: fields.nonce, time: now })
    .catch(() => false);
  if (!valid) return refuse("bad_signature", "the signature does not match the address");
  const issuedAt = Math.floor(Date.now() / 1000);
  const address = getAddress(fields.address);
  // A member with a row (privacy settings, or moved from an email account) signs in at its current
  // session version, so "log out everywhere" can revoke this cookie too.
  const row = await findAccount(appDb(), address).catch(() => null);
  const version = row && row.address === address && !row.deleted ? row.sessionVersion : undefined;
  const session = { address, chainId: fields.chainId, kind: "wallet" as const, issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS, version };
  const response = json({ address: session.address, kind: session.kind, expiresAt: session.expiresAt });
  response.headers.append("set-cookie", sessionCookie(session));
  response.headers.append("set-cookie", cookieWithoutNonce(request, fields.nonce));
  return response;
}
