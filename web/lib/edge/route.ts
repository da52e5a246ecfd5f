/**
 * The server edge: every API route of the app is `route({ auth, body, handle })`. The edge
 * authenticates the caller by the route's kind, reads the JSON body within its limit, runs the
 * handler, turns its Result (or a thrown HttpError, by class) into JSON, gives every answer a
 * Request-Id, and logs what went wrong with that id. Handlers hold only what the route does.
 *
 * Authentication kinds:
 *   public                anyone (reads of public data, metrics with their own token)
 *   same-origin           writes only from this site (sign-up, log-in): against CSRF
 *   member                a signed-in member's session cookie; writes only from this site
 *   merchant              a member session whose address holds MERCHANT_ROLE on chain now
 *   merchant-or-operator  the same, or the programme owner (DEFAULT_ADMIN_ROLE)
 *   api                   a merchant's API key (Authorization: Bearer), with the key's rate limits
 */
import "server-only";
import { getAddress, type Address } from "viem";
import { createLogger, type Logger } from "../../../scripts/lib/log.ts";
import { accountState } from "../auth/account-state.ts";
import { sameOrigin, sessionOf, type Session } from "../auth/session.ts";
import { rolesOf, type Roles } from "../chain/roles.ts";
import { clientIp } from "../client-ip.ts";
import { appDb } from "../data/db.ts";
import { authenticate } from "../purchases/api-keys.ts";
import { countAnswer, countLookup, countRequest, isLookup } from "../purchases/rate-limits.ts";
import { apiPool } from "../purchases/server.ts";
import { MAX_BODY_BYTES, readJsonBody } from "./body.ts";
import { HttpError } from "./errors.ts";
import { requestIdOf, withRequestId } from "./request-id.ts";
import { fail, type Failure, type Result } from "./result.ts";
import { problem, respond, tooMany } from "./response.ts";

export type AuthKind = "public" | "same-origin" | "member" | "merchant" | "merchant-or-operator" | "api";

export interface RequestContext {
  request: Request;
  requestId: string;
  /** The client's address (./client-ip.ts), for per-address limits. */
  ip: string;
  /** The parsed JSON body (undefined when the route reads none). */
  body: unknown;
  log: Logger;
}
export interface MemberContext extends RequestContext {
  session: Session;
}
export interface ConsoleContext extends MemberContext {
  account: Address;
  roles: Roles;
}
export interface ApiContext extends RequestContext {
  merchant: Address;
  keyId: string;
}

export type ContextOf<A extends AuthKind> = A extends "member" ? MemberContext : A extends "merchant" | "merchant-or-operator" ? ConsoleContext : A extends "api" ? ApiContext : RequestContext;

export interface RouteSpec<A extends AuthKind> {
  auth: A;
  /** Read a JSON body: true, false, or a larger limit than MAX_BODY_BYTES. Default: for methods other than GET and HEAD. */
  body?: boolean | { maxBytes: number };
  /** api only: the body may name a member by email or id, so the key's lookup limits apply (../purchases/rate-limits.ts). */
  memberLookup?: boolean;
  /** The answer to an error that is no HttpError (default 500 internal); it is logged either way. */
  unexpected?: Failure;
  handle(ctx: ContextOf<A>): Promise<Result<object> | Response>;
}

const log = createLogger({ component: "web" });

const INTERNAL = fail(500, "internal", "something went wrong");
const READS = new Set(["GET", "HEAD"]);

/** The error's name and the first line of its message: viem's go on to quote whole requests. */
function firstLine(e: unknown): Error {
  const error = e instanceof Error ? e : new Error(String(e));
  const brief = new Error((error.message.split("\n")[0] ?? "").slice(0, 300));
  brief.name = error.name;
  return brief;
}

const notMerchant = () => problem(403, "not_merchant", "this account holds no merchant role on chain");

export function route<A extends AuthKind>(spec: RouteSpec<A>): (request: Request) => Promise<Response> {
  return async (request) => {
    const requestId = requestIdOf(request);
    const ctx: RequestContext = { request, requestId, ip: clientIp(request), body: undefined, log: log.child({ requestId, path: new URL(request.url).pathname }) };
    return withRequestId(await answer(spec, ctx), requestId);
  };
}

async function answer<A extends AuthKind>(spec: RouteSpec<A>, ctx: RequestContext): Promise<Response> {
  const { request } = ctx;
  const write = !READS.has(request.method);
  const needsSession = spec.auth === "member" || spec.auth === "merchant" || spec.auth === "merchant-or-operator";
  if (write && spec.auth !== "public" && spec.auth !== "api" && !sameOrigin(request)) return problem(403, "cross_origin", "this request must come from this site");
  let session: Session | null = null;
  if (needsSession) {
    session = sessionOf(request);
    if (!session) return problem(401, "signed_out", "sign in first");
  }
  try {
    let api: { merchant: Address; keyId: string } | null = null;
    const keys = spec.auth === "api" ? apiPool() : null;
    if (keys) {
      const auth = await authenticate(keys, request.headers.get("authorization"));
      if (!auth.ok) return problem(auth.status, auth.code, auth.message);
      const busy = await countRequest(keys, auth.keyId);
      if (busy) return tooMany(busy.retryAfterSeconds, busy.error.message);
      api = { merchant: auth.merchant, keyId: auth.keyId };
    }
    const wantsBody = spec.body === undefined ? write : spec.body !== false;
    if (wantsBody) {
      const read = await readJsonBody(request, typeof spec.body === "object" ? spec.body.maxBytes : MAX_BODY_BYTES);
      if (read instanceof Response) return read;
      ctx.body = read.body;
    }
    let full: RequestContext = ctx;
    if (session) {
      // A wallet cookie revoked by "log out everywhere" (or whose member deleted their data) is
      // refused here; custodial handlers re-read their account themselves (../custody/member-actions.ts).
      if (session.kind === "wallet") {
        const state = await accountState(appDb(), session);
        if (!state.ok) return problem(state.status, state.code, state.message);
      }
      full = { ...ctx, session } as MemberContext;
      if (spec.auth !== "member") {
        const account = getAddress(session.address);
        const roles = await rolesOf(account);
        if (!roles.merchant && !(spec.auth === "merchant-or-operator" && roles.operator)) return notMerchant();
        full = { ...full, account, roles } as ConsoleContext;
      }
    }
    if (api) full = { ...ctx, ...api } as ApiContext;
    const lookup = keys && api && spec.memberLookup === true && isLookup(ctx.body) ? { keys, ...api } : null;
    if (lookup) {
      const refused = await countLookup(lookup.keys, lookup.keyId, lookup.merchant);
      if (refused) return tooMany(refused.retryAfterSeconds, refused.error.message);
    }
    const result = await spec.handle(full as ContextOf<A>);
    if (result instanceof Response) return result;
    if (lookup) await countAnswer(lookup.keys, lookup.keyId, lookup.merchant, result);
    return respond(result);
  } catch (e) {
    if (e instanceof HttpError) {
      if (e.status >= 500) ctx.log.warn("request refused", { code: e.code, error: e });
      return problem(e.status, e.code, e.publicMessage);
    }
    ctx.log.error("request failed", { error: firstLine(e) });
    return respond(spec.unexpected ?? INTERNAL);
  }
}
