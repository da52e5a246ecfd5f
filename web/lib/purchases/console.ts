/**
 * The merchant console's routes (app/api/merchant/*): API keys, earning rules, campaigns. The edge
 * (../edge/route.ts) asks the chain for the caller's role on each request; coalition-wide campaigns
 * are the operator's (DEFAULT_ADMIN_ROLE).
 */
import "server-only";
import { segmentAfter } from "../edge/path.ts";
import { fail, ok, type Failure } from "../edge/result.ts";
import { route } from "../edge/route.ts";
import { createApiKey, revokeApiKey } from "./api-keys.ts";
import { checkCampaign, checkRules } from "./rules.ts";
import { apiPool } from "./server.ts";
import { cancelCampaign, createCampaign, setRules } from "./store.ts";

const bad = (field: string, message: string): Failure => fail(422, `invalid_${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, message);
const notMerchant = () => fail(403, "not_merchant", "this account holds no merchant role on chain");

export const createKeyRoute = route({
  auth: "merchant",
  async handle({ account, body }) {
    const label = typeof (body as { label?: unknown })?.label === "string" ? (body as { label: string }).label.trim() : "";
    if (!label || label.length > 60) return bad("label", "label must be 1 to 60 characters");
    const key = await createApiKey(apiPool(), account, label);
    // The only time the key is ever shown: the server keeps its hash.
    return ok({ id: key.id, prefix: key.prefix, key: key.key, label }, 201);
  },
});

export const revokeKeyRoute = route({
  auth: "merchant",
  async handle({ request, account }) {
    const revoked = await revokeApiKey(apiPool(), account, segmentAfter(request, "api-keys"));
    return revoked ? ok({ revoked: true }) : fail(404, "unknown_key", "no such active key of this merchant");
  },
});

export const setRulesRoute = route({
  auth: "merchant",
  async handle({ account, body }) {
    const r = checkRules(body);
    if (!r.ok) return bad(r.field, r.message);
    await setRules(apiPool(), account, r.value);
    return ok({ ...r.value });
  },
});

export const createCampaignRoute = route({
  auth: "merchant-or-operator",
  async handle({ account, roles, body }) {
    const coalition = (body as { coalition?: unknown })?.coalition === true;
    if (coalition && !roles.operator) return fail(403, "not_operator", "only the operator creates coalition-wide campaigns");
    if (!coalition && !roles.merchant) return notMerchant();
    const c = checkCampaign(body);
    if (!c.ok) return bad(c.field, c.message);
    const id = await createCampaign(apiPool(), coalition ? null : account, c.value);
    return ok({ id }, 201);
  },
});

export const cancelCampaignRoute = route({
  auth: "merchant-or-operator",
  async handle({ request, account, roles, body }) {
    const id = segmentAfter(request, "campaigns");
    const coalition = (body as { coalition?: unknown })?.coalition === true;
    if (coalition && !roles.operator) return fail(403, "not_operator", "only the operator cancels coalition-wide campaigns");
    const cancelled = await cancelCampaign(apiPool(), coalition ? null : account, id);
    return cancelled ? ok({ cancelled: true }) : fail(404, "unknown_campaign", "no such running campaign of yours");
  },
});
