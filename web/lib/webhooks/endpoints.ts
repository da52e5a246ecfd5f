/**
 * A merchant's webhook endpoints: where its till, e-shop or CRM hears of its purchases. The
 * signing secret (`whsec_` + base64 of 32 random bytes, as Standard Webhooks has it) is made here
 * and returned once, by `createEndpoint`; no listing returns it again.
 *
 * Where an endpoint may point (`checkUrl`, at creation; ./target.ts checks the resolved address
 * again before every delivery): https, or http to a loopback host outside production (tests,
 * dev); no user:password in the URL; in production no private, loopback or link-local address.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { Address } from "viem";
import type { Queryable } from "../../../scripts/lib/queryable.ts";
import { isPrivateAddress, isProduction } from "./target.ts";

export const EVENT_TYPES = ["purchase.issued", "purchase.refunded"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MAX_ENDPOINTS_PER_MERCHANT = 10;

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Whether `raw` may be an endpoint's URL (the normalised URL when it may). */
export function checkUrl(raw: unknown, production = isProduction()): Checked<string> {
  const no = (message: string): Checked<string> => ({ ok: false, field: "url", message });
  if (typeof raw !== "string" || !raw.trim() || raw.length > 2000) return no("url must be a URL of at most 2000 characters");
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return no("url is not a URL");
  }
  if (url.username || url.password) return no("url must not carry a user name or password");
  const host = url.hostname.toLowerCase();
  const loopback = LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith("127."));
  if (url.protocol === "http:") {
    if (production) return no("url must be https");
    if (!loopback) return no("url must be https (http only to a loopback host outside production)");
  } else if (url.protocol !== "https:") {
    return no("url must be https");
  }
  if (production) {
    const literal = host.startsWith("[") ? host.slice(1, -1) : host;
    if (host === "localhost" || host.endsWith(".localhost") || (isIP(literal) && isPrivateAddress(literal))) return no("url must not point to a private, loopback or link-local address");
  }
  url.hash = "";
  return { ok: true, value: url.toString() };
}

export function checkEvents(raw: unknown): Checked<EventType[]> {
  if (!Array.isArray(raw) || raw.length === 0) return { ok: false, field: "events", message: `events must be a non-empty list of ${EVENT_TYPES.join(", ")}` };
  const unknown = raw.find((e) => !EVENT_TYPES.includes(e as EventType));
  if (unknown !== undefined) return { ok: false, field: "events", message: `unknown event type ${JSON.stringify(unknown)}: one of ${EVENT_TYPES.join(", ")}` };
  return { ok: true, value: [...new Set(raw as EventType[])] };
}

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export interface EndpointInfo {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
  disabledAt: Date | null;
  deliveries: { queued: number; sent: number; failed: number };
}

/** A new endpoint and its secret (the one time it is returned); null when the merchant has too many. */
export async function createEndpoint(db: Queryable, merchant: Address, url: string, events: EventType[]): Promise<{ id: string; secret: string } | null> {
  const secret = newSecret();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (merchant, url, events, secret)
     SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM webhook_endpoints WHERE merchant = $1 AND disabled_at IS NULL) < $5
     RETURNING id`,
    [merchant.toLowerCase(), url, events, secret, MAX_ENDPOINTS_PER_MERCHANT],
  );
  return rows[0] ? { id: rows[0].id, secret } : null;
}

/** The merchant's endpoints (never their secrets), with their deliveries per status. */
export async function listEndpoints(db: Queryable, merchant: Address): Promise<EndpointInfo[]> {
  const { rows } = await db.query<{ id: string; url: string; events: string[]; created_at: Date; disabled_at: Date | null; queued: number; sent: number; failed: number }>(
    `SELECT e.id, e.url, e.events, e.created_at, e.disabled_at,
            count(d.id) FILTER (WHERE d.status = 'queued')::int AS queued,
            count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent,
            count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed
       FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
      WHERE e.merchant = $1 GROUP BY e.id ORDER BY e.created_at DESC`,
    [merchant.toLowerCase()],
  );
  return rows.map((r) => ({ id: r.id, url: r.url, events: r.events, createdAt: r.created_at, disabledAt: r.disabled_at, deliveries: { queued: r.queued, sent: r.sent, failed: r.failed } }));
}

/** Disables one of `merchant`'s endpoints (its queued deliveries then fail); false when it has no such active endpoint. */
export async function disableEndpoint(db: Queryable, merchant: Address, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
  const { rowCount } = await db.query(`UPDATE webhook_endpoints SET disabled_at = now() WHERE id = $1 AND merchant = $2 AND disabled_at IS NULL`, [id, merchant.toLowerCase()]);
  return (rowCount ?? 0) > 0;
}
