/**
 * The HTTP side of the purchase API (app/api/v1): the API key, the body (JSON, 8 KiB at most), one
 * error shape ({ error: { code, message } }, as everywhere in this app), and the dependencies of
 * ./purchases.ts from this server's configuration. Keys and bodies are never logged.
 */
import "server-only";
import pg from "pg";
import type { Address } from "viem";
import { readJsonBody } from "../request-body.ts";
import { databaseUrl, deployment } from "../config.ts";
import { NoDatabaseError } from "../data/db.ts";
import { createPool } from "../../../indexer/database/pool.ts";
import { json, problem, tooMany } from "../json.ts";
import { relayer, relayerClient } from "../relayer/index.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";
import { authenticate } from "./api-keys.ts";
import type { ApiResult, PurchaseDeps } from "./purchases.ts";
import { countAnswer, countLookup, countRequest, isLookup } from "./rate-limits.ts";

export const MAX_API_BODY = 8 * 1024;

const g = globalThis as unknown as { __apiPool?: pg.Pool };

/** The app's own writes (keys, rules, purchases): a pool apart from the pages' mirror reads. */
export function apiPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__apiPool ??= createPool({ connectionString: url, max: 20, name: "purchase-api" });
  return g.__apiPool as unknown as PoolLike;
}

export function purchaseDeps(): PurchaseDeps {
  const d = deployment();
  return { db: apiPool(), client: relayerClient(), relayer: relayer(), points: d.contracts.LoyaltyPoints.address, fromBlock: BigInt(d.startBlock) };
}

export function respond(r: ApiResult): Response {
  return "error" in r ? json({ error: r.error }, { status: r.status }) : json(r.body, { status: r.status });
}

/**
 * An API request: its key's merchant, the key's request limit, then (for writes) its JSON body,
 * the key's member-lookup limits when the body names a member by email or id (`memberLookup`),
 * then `run` (./rate-limits.ts).
 */
export async function handleApi(request: Request, run: (ctx: { merchant: Address; body: unknown }) => Promise<ApiResult>, options: { body: boolean; memberLookup?: boolean }): Promise<Response> {
  try {
    const db = apiPool();
    const auth = await authenticate(db, request.headers.get("authorization"));
    if (!auth.ok) return problem(auth.status, auth.code, auth.message);
    const busy = await countRequest(db, auth.keyId);
    if (busy) return tooMany(busy.retryAfterSeconds, busy.error.message);
    let body: unknown = undefined;
    if (options.body) {
      const read = await readJsonBody(request, MAX_API_BODY);
      if (read instanceof Response) return read;
      body = read.body;
    }
    const lookup = options.memberLookup === true && isLookup(body);
    if (lookup) {
      const refused = await countLookup(db, auth.keyId, auth.merchant);
      if (refused) return tooMany(refused.retryAfterSeconds, refused.error.message);
    }
    const result = await run({ merchant: auth.merchant, body });
    if (lookup) await countAnswer(db, auth.keyId, auth.merchant, result);
    return respond(result);
  } catch (e) {
    const name = (e as Error).name;
    if (e instanceof NoDatabaseError) return problem(503, "no_database", "the database is not configured");
    if (name === "RelayerNotConfiguredError") return problem(503, "relayer_unavailable", "the relayer is not configured on this server");
    if (name === "NotDeployedError") return problem(503, "not_deployed", "the program is not deployed on this network");
    console.error(JSON.stringify({ level: "error", component: "purchase-api", msg: "request failed", error: name }));
    return problem(500, "internal", "something went wrong");
  }
}

/**
 * The path segment after `after` (an id: /api/v1/purchases/{orderId}, /api/merchant/api-keys/{id}),
 * percent-decoded once; "" when there is none or it is malformed (answered like an unknown id).
 */
export function segmentAfter(request: Request, after: string): string {
  const parts = new URL(request.url).pathname.split("/");
  const i = parts.indexOf(after);
  try {
    return i >= 0 ? decodeURIComponent(parts[i + 1] ?? "") : "";
  } catch {
    return "";
  }
}

/** The `{orderId}` segment of /api/v1/purchases/{orderId}[/refund], or null. */
export const orderIdFrom = (request: Request): string | null => segmentAfter(request, "purchases") || null;
