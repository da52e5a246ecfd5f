/**
 * The merchant console's webhook routes (app/api/merchant/webhooks/*): list the endpoints (never
 * their secrets) with their deliveries per status, create one (its secret shown this once),
 * disable one.
 */
import "server-only";
import { segmentAfter } from "../edge/path.ts";
import { fail, ok, type Failure } from "../edge/result.ts";
import { route } from "../edge/route.ts";
import { apiPool } from "../purchases/server.ts";
import { checkEvents, checkUrl, createEndpoint, disableEndpoint, listEndpoints, MAX_ENDPOINTS_PER_MERCHANT } from "./endpoints.ts";

const bad = (field: string, message: string): Failure => fail(422, `invalid_${field}`, message);

export const listWebhooksRoute = route({
  auth: "merchant",
  async handle({ account }) {
    return ok({ endpoints: await listEndpoints(apiPool(), account) });
  },
});

export const createWebhookRoute = route({
  auth: "merchant",
  async handle({ account, body }) {
    const b = (body ?? {}) as { url?: unknown; events?: unknown };
    const url = checkUrl(b.url);
    if (!url.ok) return bad(url.field, url.message);
    const events = checkEvents(b.events);
    if (!events.ok) return bad(events.field, events.message);
    const created = await createEndpoint(apiPool(), account, url.value, events.value);
    if (!created) return fail(409, "too_many_endpoints", `at most ${MAX_ENDPOINTS_PER_MERCHANT} active webhook endpoints per merchant`);
    // The only time the secret is ever shown.
    return ok({ id: created.id, url: url.value, events: events.value, secret: created.secret }, 201);
  },
});

export const disableWebhookRoute = route({
  auth: "merchant",
  async handle({ request, account }) {
    const disabled = await disableEndpoint(apiPool(), account, segmentAfter(request, "webhooks"));
    return disabled ? ok({ disabled: true }) : fail(404, "unknown_endpoint", "no such active webhook endpoint of this merchant");
  },
});
