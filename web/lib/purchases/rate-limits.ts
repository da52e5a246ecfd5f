/**
 * The purchase API's limits per API key (429 with Retry-After), so that one key — a merchant's
 * till, or a stolen key — can neither flood the API nor use it as a directory of members:
 *   PURCHASE_API_REQUESTS_PER_MINUTE       every request of the key (12,000: 200/s)
 *   PURCHASE_API_LOOKUPS_PER_HOUR          purchases naming the member by email or id (1,000)
 *   PURCHASE_API_UNKNOWN_MEMBERS_PER_HOUR  of those, answers "no such member" (100): probing emails
 *                                          mostly finds none, a till rarely sends an unknown one
 * The lookup limits also hold per merchant, at MERCHANT_FACTOR times the key's: keys cost a
 * merchant nothing to create, so a key's limit alone would not bound a merchant's probing.
 * Counted in Postgres (auth_rate_limits), shared by every web server.
 */
import { attempt, type Limit } from "../auth/rate-limit.ts";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import type { Result } from "../edge/result.ts";

function fromEnv(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export const apiLimits = () => ({
  requests: { max: fromEnv("PURCHASE_API_REQUESTS_PER_MINUTE", 12_000), windowSeconds: 60 } satisfies Limit,
  lookups: { max: fromEnv("PURCHASE_API_LOOKUPS_PER_HOUR", 1_000), windowSeconds: 3600 } satisfies Limit,
  unknownMembers: { max: fromEnv("PURCHASE_API_UNKNOWN_MEMBERS_PER_HOUR", 100), windowSeconds: 3600 } satisfies Limit,
});

export const MERCHANT_FACTOR = 5;

export type Limited = { status: 429; retryAfterSeconds: number; error: { code: "rate_limited"; message: string } };

const limited = (retryAfterSeconds: number, message: string): Limited => ({ status: 429, retryAfterSeconds, error: { code: "rate_limited", message } });

/** One request of the key. */
export async function countRequest(db: Queryable, keyId: string): Promise<Limited | null> {
  const limit = apiLimits().requests;
  const r = await attempt(db, `api:req:${keyId}`, limit);
  return r.ok ? null : limited(r.retryAfterSeconds, `at most ${limit.max} requests a minute per API key: retry later`);
}

/** Whether `body` names its member by email or id (a lookup in the platform's accounts). */
export function isLookup(body: unknown): boolean {
  const m = (body as { member?: unknown } | null)?.member;
  return !!m && typeof m === "object" && ("email" in m || "id" in m);
}

/**
 * Before a lookup: counts it for the key and its merchant, and refuses it while their unknown-member
 * answers are spent (the peek adds nothing: `weight` 0).
 */
export async function countLookup(db: Queryable, keyId: string, merchant: string): Promise<Limited | null> {
  const { lookups, unknownMembers } = apiLimits();
  for (const [scope, factor] of [[`key:${keyId}`, 1], [`merchant:${merchant.toLowerCase()}`, MERCHANT_FACTOR]] as const) {
    const max = unknownMembers.max * factor;
    const unknown = await attempt(db, `api:unknown:${scope}`, { ...unknownMembers, max: max - 1 }, 0);
    if (!unknown.ok) return limited(unknown.retryAfterSeconds, "too many purchases for unknown members: retry later");
  }
  for (const [scope, factor] of [[`key:${keyId}`, 1], [`merchant:${merchant.toLowerCase()}`, MERCHANT_FACTOR]] as const) {
    const r = await attempt(db, `api:lookup:${scope}`, { ...lookups, max: lookups.max * factor });
    if (!r.ok) return limited(r.retryAfterSeconds, `at most ${lookups.max} purchases by email or member id an hour per API key (${lookups.max * factor} per merchant): retry later`);
  }
  return null;
}

/** After a lookup: an unknown member is counted for the key and its merchant. */
export async function countAnswer(db: Queryable, keyId: string, merchant: string, result: Result<object>): Promise<void> {
  if (!("error" in result) || result.error.code !== "unknown_member") return;
  const { unknownMembers } = apiLimits();
  await attempt(db, `api:unknown:key:${keyId}`, unknownMembers);
  await attempt(db, `api:unknown:merchant:${merchant.toLowerCase()}`, { ...unknownMembers, max: unknownMembers.max * MERCHANT_FACTOR });
}
