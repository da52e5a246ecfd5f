/**
 * SIWE nonces, kept on the server: issued by GET /api/auth/nonce, each usable once within
 * NONCE_TTL_MS. In memory (one `next start` process); with several web servers this moves to the
 * app's tables in Postgres (they arrive with the custodial accounts of issue 5).
 */
import "server-only";
import { generateSiweNonce } from "viem/siwe";

const NONCE_TTL_MS = 5 * 60_000;
const MAX_NONCES = 50_000;

const g = globalThis as unknown as { __siweNonces?: Map<string, number> };
const store = () => (g.__siweNonces ??= new Map());

export function issueNonce(now = Date.now()): string {
  const nonces = store();
  if (nonces.size >= MAX_NONCES) {
    for (const [n, exp] of nonces) if (exp < now) nonces.delete(n);
    if (nonces.size >= MAX_NONCES) nonces.delete(nonces.keys().next().value!);
  }
  const nonce = generateSiweNonce();
  nonces.set(nonce, now + NONCE_TTL_MS);
  return nonce;
}

/** True once per issued, unexpired nonce. */
export function consumeNonce(nonce: string, now = Date.now()): boolean {
  const nonces = store();
  const exp = nonces.get(nonce);
  if (exp === undefined) return false;
  nonces.delete(nonce);
  return exp >= now;
}
