/**
 * The merchant console's routes (app/api/merchant/*): API keys, earning rules, campaigns. Each
 * request: same origin, a signed-in session, and the role asked to the chain right then (a merchant
 * removed from the coalition loses the console at once; the session only says who signed in).
 * Coalition-wide campaigns are the operator's (DEFAULT_ADMIN_ROLE).
 */
import "server-only";
import { getAddress, type Address } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { DEFAULT_ADMIN_ROLE, MERCHANT_ROLE } from "../../../contracts/spec/index.ts";
import { chainClient } from "../chain/server.ts";
import { deployment } from "../config.ts";
import { handleMember } from "../custody/server.ts";
import { createApiKey, revokeApiKey } from "./api-keys.ts";
import { apiPool, segmentAfter } from "./http.ts";
import type { ApiResult } from "./purchases.ts";
import { checkCampaign, checkRules } from "./rules.ts";
import { cancelCampaign, createCampaign, setRules } from "./store.ts";

export async function rolesOf(account: Address): Promise<{ merchant: boolean; operator: boolean }> {
  const points = deployment().contracts.LoyaltyPoints.address;
  const client = chainClient();
  const [merchant, operator] = await Promise.all([
    client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [MERCHANT_ROLE, account] }),
    client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "hasRole", args: [DEFAULT_ADMIN_ROLE, account] }),
  ]);
  return { merchant, operator };
}

type Need = "merchant" | "merchant_or_operator";

async function handleConsole(request: Request, need: Need, run: (ctx: { account: Address; roles: { merchant: boolean; operator: boolean }; body: unknown }) => Promise<ApiResult>) {
  return handleMember(request, async ({ session, body }) => {
    const account = getAddress(session.address);
    const roles = await rolesOf(account);
    if (!roles.merchant && !(need === "merchant_or_operator" && roles.operator)) {
      return { status: 403, error: { code: "not_merchant", message: "this account holds no merchant role on chain" } };
    }
    const r = await run({ account, roles, body });
    return "error" in r ? { status: r.status, error: r.error } : { status: r.status, body: r.body };
  });
}

const bad = (field: string, message: string): ApiResult => ({ status: 422, error: { code: `invalid_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, message } });

export const createKeyRoute = (request: Request) =>
  handleConsole(request, "merchant", async ({ account, body }) => {
    const label = typeof (body as { label?: unknown })?.label === "string" ? (body as { label: string }).label.trim() : "";
    if (!label || label.length > 60) return bad("label", "label must be 1 to 60 characters");
    const key = await createApiKey(apiPool(), account, label);
    // The only time the key is ever shown: the server keeps its hash.
    return { status: 201, body: { id: key.id, prefix: key.prefix, key: key.key, label } };
  });

export const revokeKeyRoute = (request: Request) =>
  handleConsole(request, "merchant", async ({ account }) => {
    const ok = await revokeApiKey(apiPool(), account, segmentAfter(request, "api-keys"));
    return ok ? { status: 200, body: { revoked: true } } : { status: 404, error: { code: "unknown_key", message: "no such active key of this merchant" } };
  });

export const setRulesRoute = (request: Request) =>
  handleConsole(request, "merchant", async ({ account, body }) => {
    const r = checkRules(body);
    if (!r.ok) return bad(r.field, r.message);
    await setRules(apiPool(), account, r.value);
    return { status: 200, body: { ...r.value } };
  });

export const createCampaignRoute = (request: Request) =>
  handleConsole(request, "merchant_or_operator", async ({ account, roles, body }) => {
    const coalition = (body as { coalition?: unknown })?.coalition === true;
    if (coalition && !roles.operator) return { status: 403, error: { code: "not_operator", message: "only the operator creates coalition-wide campaigns" } };
    if (!coalition && !roles.merchant) return { status: 403, error: { code: "not_merchant", message: "this account holds no merchant role on chain" } };
    const c = checkCampaign(body);
    if (!c.ok) return bad(c.field, c.message);
    const id = await createCampaign(apiPool(), coalition ? null : account, c.value);
    return { status: 201, body: { id } };
  });

export const cancelCampaignRoute = (request: Request) =>
  handleConsole(request, "merchant_or_operator", async ({ account, roles, body }) => {
    const id = segmentAfter(request, "campaigns");
    const coalition = (body as { coalition?: unknown })?.coalition === true;
    if (coalition && !roles.operator) return { status: 403, error: { code: "not_operator", message: "only the operator cancels coalition-wide campaigns" } };
    const ok = await cancelCampaign(apiPool(), coalition ? null : account, id);
    return ok ? { status: 200, body: { cancelled: true } } : { status: 404, error: { code: "unknown_campaign", message: "no such running campaign of yours" } };
  });
