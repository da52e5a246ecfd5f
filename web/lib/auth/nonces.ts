/**
 * SIWE nonces, kept on the server in Postgres (./nonce-store.ts): issued by GET /api/auth/nonce,
 * each usable once within NONCE_TTL_SECONDS, whichever web server issued it.
 */
import "server-only";
import type { Queryable } from "../custody/users.ts";
import { queries } from "../data/db.ts";
import { consumeNonceIn, issueNonceIn } from "./nonce-store.ts";

const db = () => queries().pool as unknown as Queryable;

export function issueNonce(): Promise<string> {
  return issueNonceIn(db());
}

/** True once per issued, unexpired nonce. */
export function consumeNonce(nonce: string): Promise<boolean> {
  return consumeNonceIn(db(), nonce);
}
