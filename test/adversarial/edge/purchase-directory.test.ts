/**
 * The purchase API as an email directory: any merchant's key (or a stolen one) probing emails and
 * member ids to learn who is a member and which wallet is theirs — a 99-cent purchase earns 0 points
 * and costs nothing. Also keys hammered and guessed. Against the real stack.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createApiKey } from "../../../web/lib/purchases/api-keys.ts";
import { Browser, onboardMerchant, startWebStack, type WebStack } from "../support/web.ts";

const LOOKUPS = 8;
const UNKNOWN = 4;
const REQUESTS = 40;
let w: WebStack;
let key: string;
let other: string;
let member: { email: string; address: string; id: string };

beforeAll(async () => {
  w = await startWebStack({
    logName: "adversarial-purchase-directory-logs.txt",
    webEnv: { PURCHASE_API_LOOKUPS_PER_HOUR: String(LOOKUPS), PURCHASE_API_UNKNOWN_MEMBERS_PER_HOUR: String(UNKNOWN), PURCHASE_API_REQUESTS_PER_MINUTE: String(REQUESTS) },
  });
  const merchant = await onboardMerchant(w, 2);
  key = (await createApiKey(w.db, merchant, "till")).key;
  other = (await createApiKey(w.db, merchant, "another till")).key;
  const email = `shopper-${Date.now()}@example.com`;
  const signup = await new Browser(w.stack.webUrl).post("/api/auth/signup", { email, password: "a long enough password" });
  expect(signup.status).toBe(201);
  // Points go to an email only once it is verified (web/lib/auth/email-trust.test.ts follows the link).
  const { rows } = await w.db.query(`UPDATE users SET email_verified_at = now() WHERE email = $1 RETURNING id`, [email]);
  member = { email, address: signup.body.address, id: rows[0].id };
}, 600_000);

afterAll(async () => {
  await w?.stop();
}, 60_000);

const api = async (path: string, apiKey: string, body?: unknown) => {
  const r = await fetch(`${w.stack.webUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text), retryAfter: r.headers.get("retry-after") };
};

describe("the purchase API is no email directory", () => {
  it("never answers the wallet address of a member looked up by email or id, now or later", async () => {
    let n = 0;
    for (const [who, amountCents] of [[{ email: member.email }, 99], [{ id: member.id }, 99], [{ email: member.email }, 2_500]] as const) {
      const orderId = `probe-${++n}`;
      const r = await api("/api/v1/purchases", key, { member: who, amountCents, currency: "EUR", orderId });
      expect(r.status, r.text).toBe(201);
      expect(r.text.toLowerCase()).not.toContain(member.address.toLowerCase().slice(2));
      expect(r.body.member).toEqual({ given: Object.keys(who)[0] });
      const later = await api(`/api/v1/purchases/${orderId}`, key);
      expect(later.status).toBe(200);
      expect(later.text.toLowerCase()).not.toContain(member.address.toLowerCase().slice(2));
    }
    // Named by address, the merchant already knows it: echoed.
    const byAddress = await api("/api/v1/purchases", key, { member: { address: member.address }, amountCents: 99, currency: "EUR", orderId: "by-address" });
    expect(byAddress.body.member).toEqual({ address: member.address });
  });

  it("rate-limits a key's email and id lookups, and its unknown-member answers sooner, with Retry-After", async () => {
    const probe = (i: number) => api("/api/v1/purchases", key, { member: { email: `nobody-${i}@example.com` }, amountCents: 99, currency: "EUR", orderId: `guess-${i}` });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < UNKNOWN + 2; i++) {
      const r = await probe(i);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.retryAfter;
    }
    expect(statuses.slice(0, UNKNOWN)).toEqual(Array(UNKNOWN).fill(404));
    expect(statuses.slice(UNKNOWN)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Known members too, once the lookups of the hour are spent (3 above + the probes).
    const known: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) known.push((await api("/api/v1/purchases", key, { member: { email: member.email }, amountCents: 99, currency: "EUR", orderId: `known-${i}` })).status);
    expect(known.at(-1)).toBe(429);
    // Purchases by address (no lookup) still go through, and another key has its own allowance.
    expect((await api("/api/v1/purchases", key, { member: { address: privateKeyToAccount(generatePrivateKey()).address }, amountCents: 99, currency: "EUR", orderId: "after-lookups" })).status).toBe(201);
    expect((await api("/api/v1/purchases", other, { member: { email: member.email }, amountCents: 99, currency: "EUR", orderId: "other-key" })).status).toBe(201);
  });

  it("a merchant cannot dodge the lookup limits by creating more keys", async () => {
    const merchant2 = await onboardMerchant(w, 3);
    const keys = await Promise.all(Array.from({ length: 7 }, (_, i) => createApiKey(w.db, merchant2, `key ${i}`).then((k) => k.key)));
    const statuses: number[] = [];
    let n = 0;
    for (const k of keys) for (let i = 0; i < UNKNOWN; i++) statuses.push((await api("/api/v1/purchases", k, { member: { email: `ghost-${++n}@example.com` }, amountCents: 99, currency: "EUR", orderId: `ghost-${n}` })).status);
    // Five keys' worth of unknown members, then the merchant is refused whatever key it uses.
    expect(statuses.filter((s) => s === 404).length).toBe(UNKNOWN * 5);
    expect(statuses.slice(UNKNOWN * 5)).toEqual(Array(UNKNOWN * 2).fill(429));
  });

  it("rate-limits all of a key's requests per minute, with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < REQUESTS + 5; i++) {
      const r = await api(`/api/v1/purchases/missing-${i}`, other);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.retryAfter;
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(REQUESTS);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it("answers an unknown prefix and a wrong secret of a real key alike", async () => {
    const [prefix] = key.split("_").slice(1);
    const forged = [`fid_${prefix}_${"A".repeat(43)}`, `fid_${"0".repeat(12)}_${"A".repeat(43)}`, `${key}x`, key.slice(0, -1)];
    const answers = await Promise.all(forged.map((k) => api("/api/v1/purchases/x", k)));
    for (const a of answers) expect([a.status, a.body.error.code]).toEqual([401, "invalid_api_key"]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });
});
