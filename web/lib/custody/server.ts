/**
 * The HTTP side of members' own routes (app/api/member/*): same-origin only, a small JSON body, the
 * session cookie, and the dependencies of ./member-actions.ts from this server's configuration.
 */
import "server-only";
import pg from "pg";
import { accountState } from "../auth/account-state.ts";
import { readJsonBody } from "../request-body.ts";
import { decodeSession, requestCookie, sameOrigin, SESSION_COOKIE, type Session } from "../auth/session.ts";
import { chainClient } from "../chain/server.ts";
import { chainId, databaseUrl, deployment } from "../config.ts";
import { appDb, NoDatabaseError } from "../data/db.ts";
import { createPool } from "../../../indexer/database/pool.ts";
import { json, problem } from "../json.ts";
import { relayer } from "../relayer/index.ts";
import { kekFromEnv } from "./kek.ts";
import type { CustodyDeps } from "./member-actions.ts";
import { tokensHeld, type MoveDeps } from "./move.ts";
import type { Holdings } from "./privacy.ts";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import type { Address } from "viem";
import { createLogger } from "../../../scripts/lib/log.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";

const log = createLogger({ component: "member-api" });

export const MAX_MEMBER_BODY = 8 * 1024;

const g = globalThis as unknown as { __memberLocks?: pg.Pool };

/** Connections that hold members' advisory locks while their request is relayed: a pool apart, so
 * waiting actions never starve the pages' reads. */
function lockPool(): PoolLike {
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set");
  g.__memberLocks ??= createPool({ connectionString: url, max: 10, name: "member-locks" });
  return g.__memberLocks;
}

export function custodyDeps(): CustodyDeps {
  const d = deployment();
  return {
    db: appDb(),
    locks: lockPool(),
    kek: kekFromEnv(),
    client: chainClient(),
    chainId: chainId(),
    contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address },
    relayer,
  };
}

export function moveDeps(): MoveDeps {
  return { ...custodyDeps(), startBlock: BigInt(deployment().startBlock) };
}

/** What the addresses hold on chain now (points, reward tokens): deletion warns about it. */
export async function holdingsOnChain(addresses: Address[]): Promise<Holdings> {
  const d = deployment();
  const deps = { client: chainClient(), contracts: { points: d.contracts.LoyaltyPoints.address, rewards: d.contracts.RewardNFT.address, forwarder: d.contracts.LoyaltyForwarder.address }, startBlock: BigInt(d.startBlock) };
  let points = 0n;
  let nfts = 0;
  for (const a of addresses) {
    points += await deps.client.readContract({ address: deps.contracts.points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });
    nfts += (await tokensHeld(deps, a)).length;
  }
  return { points, nfts };
}

export function cookieSession(request: Request): Session | null {
  return decodeSession(requestCookie(request, SESSION_COOKIE));
}

export type MemberHandler = (ctx: { session: Session; body: unknown; request: Request }) => Promise<Response | { status: number; body?: Record<string, unknown>; error?: { code: string; message: string } }>;

/**
 * A member's request: same origin (against CSRF), a signed-in session, and for writes a JSON body
 * of at most MAX_MEMBER_BODY bytes. The handler re-reads the account itself (./member-actions.ts).
 */
export async function handleMember(request: Request, handler: MemberHandler, options: { body?: boolean } = { body: true }): Promise<Response> {
  if (request.method !== "GET" && !sameOrigin(request)) return problem(403, "cross_origin", "this request must come from this site");
  const session = cookieSession(request);
  if (!session) return problem(401, "signed_out", "sign in first");
  let body: unknown = undefined;
  if (options.body !== false) {
    const read = await readJsonBody(request, MAX_MEMBER_BODY);
    if (read instanceof Response) return read;
    body = read.body;
  }
  try {
    // A wallet cookie revoked by "log out everywhere" (or whose member deleted their data) is
    // refused here; custodial handlers re-read their account themselves (./member-actions.ts).
    if (session.kind === "wallet") {
      const state = await accountState(appDb(), session);
      if (!state.ok) return problem(state.status, state.code, state.message);
    }
    const r = await handler({ session, body, request });
    if (r instanceof Response) return r;
    return r.error ? json({ error: r.error }, { status: r.status }) : json(r.body ?? {}, { status: r.status });
  } catch (e) {
    if (e instanceof NoDatabaseError) return problem(503, "no_database", "the accounts database is not configured");
    const name = (e as Error).name;
    if (name === "KekError") return problem(503, "custody_unavailable", "custodial accounts are not configured on this server");
    if (name === "RelayerNotConfiguredError") return problem(503, "relayer_unavailable", "gasless actions are not configured on this server");
    // The name only: a message could quote a request (never a key, but keep logs lean).
    log.error("member request failed", { error: name });
    return problem(500, "internal", "something went wrong");
  }
}
