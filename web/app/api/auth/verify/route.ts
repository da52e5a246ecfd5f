/**
 * Sign-In with Ethereum (EIP-4361): checks the message was made for THIS site (domain and origin
 * from the request, not from the body), THIS chain, a nonce this server issued (once), a fresh
 * issue time, and the signature (EOA or ERC-1271/6492 contract wallets), then sets the session.
 */
import { getAddress } from "viem";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";
import { consumeNonce } from "@/lib/auth/nonces.ts";
import { findAccount } from "@/lib/auth/account-state.ts";
import { sameOrigin, SESSION_TTL_SECONDS, sessionCookie, siteDomain } from "@/lib/auth/session.ts";
import { appDb } from "@/lib/data/db.ts";
import { chainClient } from "@/lib/chain/server.ts";
import { chainId } from "@/lib/config.ts";
import { json, problem } from "@/lib/json.ts";

export const dynamic = "force-dynamic";

const MAX_AGE_MS = 10 * 60_000;

export async function POST(request: Request) {
  if (!sameOrigin(request)) return problem(403, "cross_origin", "sign-in must come from this site");
  let body: { message?: unknown; signature?: unknown };
  try {
    body = await request.json();
  } catch {
    return problem(400, "bad_json", "expected a JSON body");
  }
  if (typeof body.message !== "string" || body.message.length > 4000) return problem(400, "bad_message", "message must be a SIWE message");
  if (typeof body.signature !== "string" || !/^0x[0-9a-fA-F]+$/.test(body.signature)) return problem(400, "bad_signature", "signature must be hex");
  const message = body.message;
  const signature = body.signature as `0x${string}`;
  const fields = parseSiweMessage(message);
  const host = siteDomain(request);
  const now = new Date();
  if (!fields.address || !fields.nonce || !fields.chainId || !fields.issuedAt || !fields.uri) return problem(400, "bad_message", "incomplete SIWE message");
  if (fields.domain !== host) return problem(401, "wrong_domain", "the message was made for another site");
  let uriHost = "";
  try {
    uriHost = new URL(fields.uri).host;
  } catch {}
  if (uriHost !== host) return problem(401, "wrong_uri", "the message URI is not this site");
  if (fields.chainId !== chainId()) return problem(401, "wrong_chain", `sign in on chain ${chainId()}`);
  if (Math.abs(now.getTime() - fields.issuedAt.getTime()) > MAX_AGE_MS) return problem(401, "stale", "the message is too old");
  if (!validateSiweMessage({ message: fields, domain: host, time: now })) return problem(401, "invalid", "the message is expired or not yet valid");
  // The nonce is spent before the signature check: a failed attempt cannot be retried with it.
  if (!(await consumeNonce(fields.nonce))) return problem(401, "bad_nonce", "unknown or used nonce: ask for a new one");
  const valid = await chainClient()
    .verifySiweMessage({ message, signature, domain: host, nonce: fields.nonce, time: now })
    .catch(() => false);
  if (!valid) return problem(401, "bad_signature", "the signature does not match the address");
  const issuedAt = Math.floor(Date.now() / 1000);
  const address = getAddress(fields.address);
  // A member with a row (privacy settings, or moved from an email account) signs in at its current
  // session version, so "log out everywhere" can revoke this cookie too.
  const row = await findAccount(appDb(), address).catch(() => null);
  const version = row && row.address === address && !row.deleted ? row.sessionVersion : undefined;
  const session = { address, chainId: fields.chainId, kind: "wallet" as const, issuedAt, expiresAt: issuedAt + SESSION_TTL_SECONDS, version };
  const response = json({ address: session.address, kind: session.kind, expiresAt: session.expiresAt });
  response.headers.append("set-cookie", sessionCookie(session));
  return response;
}
