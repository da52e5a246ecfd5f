/**
 * SIWE nonces in Postgres (auth_nonces), so any web server can check a nonce another issued: issued
 * with a time to live, spent once (DELETE … RETURNING: of two concurrent uses, one wins). Each issue
 * also sweeps a few expired nonces, so the table stays small without a background job.
 */
import { generateSiweNonce } from "viem/siwe";
import type { Queryable } from "../../../scripts/lib/queryable.ts";

export const NONCE_TTL_SECONDS = 5 * 60;

export async function issueNonceIn(db: Queryable, ttlSeconds = NONCE_TTL_SECONDS): Promise<string> {
  const nonce = generateSiweNonce();
  await db.query(
    `WITH swept AS (DELETE FROM auth_nonces WHERE nonce IN (SELECT nonce FROM auth_nonces WHERE expires_at < now() LIMIT 100))
     INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, now() + make_interval(secs => $2))`,
    [nonce, ttlSeconds],
  );
  return nonce;
}

/** True once per issued, unexpired nonce. */
export async function consumeNonceIn(db: Queryable, nonce: string): Promise<boolean> {
  if (typeof nonce !== "string" || nonce.length > 256) return false;
  const { rows } = await db.query<{ live: boolean }>(`DELETE FROM auth_nonces WHERE nonce = $1 RETURNING expires_at >= now() AS live`, [nonce]);
  return rows[0]?.live === true;
}
