/**
 * Merchants' API keys: `fid_<prefix>_<secret>`. The prefix (12 hex, public, unique) finds the row;
 * the secret (256 random bits, base64url) is shown once and stored only as its SHA-256: a fast hash
 * is enough for a random 256-bit secret (nothing to guess), and it is compared in constant time.
 * A revoked key is refused at once (no cache).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { getAddress, type Address } from "viem";
import type { Queryable } from "../relayer/db.ts";

const KEY = /^fid_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyInfo {
  id: string;
  prefix: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const hash = (secret: string) => createHash("sha256").update(secret, "utf8").digest();

export async function createApiKey(db: Queryable, merchant: Address, label: string): Promise<{ id: string; key: string; prefix: string }> {
  const secret = randomBytes(32).toString("base64url");
  for (;;) {
    const prefix = randomBytes(6).toString("hex");
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO merchant_api_keys (merchant, prefix, secret_hash, label) VALUES ($1, $2, $3, $4) ON CONFLICT (prefix) DO NOTHING RETURNING id`,
      [merchant.toLowerCase(), prefix, hash(secret), label],
    );
    if (rows[0]) return { id: rows[0].id, prefix, key: `fid_${prefix}_${secret}` };
  }
}

export async function listApiKeys(db: Queryable, merchant: Address): Promise<ApiKeyInfo[]> {
  const { rows } = await db.query<{ id: string; prefix: string; label: string; created_at: Date; revoked_at: Date | null; last_used_at: Date | null }>(
    `SELECT id, prefix, label, created_at, revoked_at, last_used_at FROM merchant_api_keys WHERE merchant = $1 ORDER BY created_at DESC`,
    [merchant.toLowerCase()],
  );
  return rows.map((r) => ({ id: r.id, prefix: r.prefix, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at }));
}

/** Revokes one of `merchant`'s keys; false when it has no such key (or it was already revoked). */
export async function revokeApiKey(db: Queryable, merchant: Address, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const { rowCount } = await db.query(`UPDATE merchant_api_keys SET revoked_at = now() WHERE id = $1 AND merchant = $2 AND revoked_at IS NULL`, [id, merchant.toLowerCase()]);
  return (rowCount ?? 0) > 0;
}

export type Authenticated = { ok: true; merchant: Address; keyId: string } | { ok: false; status: 401; code: "missing_api_key" | "invalid_api_key"; message: string };

/** The merchant behind an `Authorization: Bearer fid_…` header. */
export async function authenticate(db: Queryable, authorization: string | null): Promise<Authenticated> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!m) return { ok: false, status: 401, code: "missing_api_key", message: "send Authorization: Bearer <your API key>" };
  const parts = KEY.exec(m[1]!);
  const invalid = { ok: false, status: 401, code: "invalid_api_key", message: "this API key is unknown or revoked" } as const;
  if (!parts) return invalid;
  const { rows } = await db.query<{ id: string; merchant: string; secret_hash: Buffer; revoked_at: Date | null; last_used_at: Date | null }>(
    `SELECT id, merchant, secret_hash, revoked_at, last_used_at FROM merchant_api_keys WHERE prefix = $1`,
    [parts[1]],
  );
  const row = rows[0];
  // The hash is computed and compared even for an unknown prefix: same work either way.
  const expected = row?.secret_hash ?? Buffer.alloc(32);
  const ok = timingSafeEqual(hash(parts[2]!), expected) && row !== undefined && row.revoked_at === null;
  if (!ok) return invalid;
  // last_used_at at minute precision: one write per key per minute, not one per purchase.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    void db.query(`UPDATE merchant_api_keys SET last_used_at = now() WHERE id = $1`, [row.id]).catch(() => {});
  }
  return { ok: true, merchant: getAddress(row.merchant), keyId: row.id };
}
