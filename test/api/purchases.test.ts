/**
 * The purchase API against the real stack (test/e2e/stack.ts: a Hardhat node, the seeded program,
 * Postgres, the indexer, `next start` of the production build): idempotency under 200 concurrent
 * duplicates, 200 distinct purchases checked against the earning rules and the chain, every bad
 * input (nothing issued), refunds, referrals, key revocation, and no secret in the logs.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, encodeFunctionData, getAddress, http, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { createSiweMessage } from "viem/siwe";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { loyaltyForwarderAbi, loyaltyPointsAbi } from "../../contracts/generated/contracts.ts";
import { MIGRATOR_ROLE } from "../../contracts/spec/index.ts";
import { accountMigrationDomain, accountMigrationTypes, forwarderDomain, forwardRequestTypes, purchaseRef } from "../../contracts/typed-data.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { createApiKey, revokeApiKey } from "../../web/lib/purchases/api-keys.ts";
import { computePoints, DEFAULT_RULES, type EarningRules } from "../../web/lib/purchases/rules.ts";
import { setRules } from "../../web/lib/purchases/store.ts";
import { relayerKey, startStack, stackLogs, stopStack, type StackInfo } from "../e2e/stack.ts";

const MERCHANT = devAccount(2).address;
const OTHER_MERCHANT = devAccount(3).address;
const IDLE_MERCHANT = devAccount(4).address; // will revoke the relayer
const OPERATOR = 0;
const RULES: EarningRules = { pointsPerEuro: 2n, cashbackBps: 150n, tierMultipliersBps: [10_000n, 11_000n, 12_500n, 15_000n], referralBonusPoints: 0n };

let stack: StackInfo;
let db: pg.Pool;
let client: PublicClient;
let points: Address;
const keys: Record<string, string> = {};

const fresh = () => privateKeyToAccount(generatePrivateKey()).address;

async function post(body: unknown, options: { key?: string | null; raw?: string; contentType?: string; path?: string } = {}) {
  const key = options.key === undefined ? keys.main : options.key;
  const r = await fetch(`${stack.webUrl}${options.path ?? "/api/v1/purchases"}`, {
    method: "POST",
    headers: { "content-type": options.contentType ?? "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: options.raw ?? JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

const get = async (p: string, key = keys.main) => {
  const r = await fetch(`${stack.webUrl}${p}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

const balance = (a: Address) => client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "balanceOf", args: [a] });

async function issuedLogs(ref?: Hex) {
  const logs = await client.getLogs({ address: points, fromBlock: 0n, toBlock: "latest", event: loyaltyPointsAbi.find((x) => x.type === "event" && x.name === "PointsIssued") as never, args: ref ? ({ ref } as never) : undefined });
  return parseEventLogs({ abi: loyaltyPointsAbi, logs, eventName: "PointsIssued" });
}

/** A Sign-In with Ethereum session cookie for Hardhat account `index`. */
async function walletSession(index: number): Promise<string> {
  const origin = stack.webUrl;
  const issued = await fetch(`${origin}/api/auth/nonce`);
  const { nonce } = (await issued.json()) as { nonce: string };
  // The nonce is bound to the browser that asked for it (its cookie).
  const nonceCookie = issued.headers.getSetCookie()[0]!.split(";")[0]!;
  const account = devAccount(index);
  const message = createSiweMessage({ address: account.address, chainId: hardhat.id, domain: new URL(origin).host, nonce, uri: origin, version: "1", issuedAt: new Date() });
  const signature = await account.signMessage({ message });
  const r = await fetch(`${origin}/api/auth/verify`, { method: "POST", headers: { "content-type": "application/json", origin, cookie: nonceCookie }, body: JSON.stringify({ message, signature }) });
  expect(r.status).toBe(200);
  return r.headers.getSetCookie().find((c) => c.startsWith("fid_session="))!.split(";")[0]!;
}

async function send(from: number, functionName: string, args: unknown[]) {
  const wallet = createWalletClient({ chain: hardhat, transport: http(stack.rpcUrl), account: devAccount(from) });
  const hash = await wallet.writeContract({ address: points, abi: loyaltyPointsAbi, functionName: functionName as never, args: args as never } as never);
  expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
}

describe("purchase API on the real stack", () => {
  beforeAll(async () => {
    stack = await startStack({ stateFile: null, logName: "api-test-logs.txt" });
    db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
    client = createPublicClient({ chain: hardhat, transport: http(stack.rpcUrl), cacheTime: 0 }) as PublicClient;
    points = JSON.parse(readFileSync(stack.deploymentFile, "utf8")).contracts.LoyaltyPoints.address;
    keys.main = (await createApiKey(db, MERCHANT, "till 1")).key;
    keys.other = (await createApiKey(db, OTHER_MERCHANT, "other shop")).key;
    keys.idle = (await createApiKey(db, IDLE_MERCHANT, "idle shop")).key;
    keys.stranger = (await createApiKey(db, fresh(), "not a merchant")).key;
    await setRules(db, MERCHANT, RULES);
  }, 900_000);

  afterAll(async () => {
    await db?.end();
    const logs = stack ? Object.values(stackLogs()).join("\n") : "";
    if (stack) await stopStack(stack);
    // No secret in anything the stack printed: API keys (their secret half) and the relayer's key.
    const relayer = relayerKey();
    for (const key of Object.values(keys)) expect(logs).not.toContain(key.split("_").slice(2).join("_"));
    expect(logs.toLowerCase()).not.toContain(relayer.slice(2).toLowerCase());
  }, 60_000);

  it("serves its OpenAPI 3.1 description", async () => {
    const { status, body } = await get("/api/v1/openapi.json", "");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/api/v1/purchases", "/api/v1/purchases/{orderId}", "/api/v1/purchases/{orderId}/refund"]));
  });

  it("issues exactly once for 200 concurrent requests with the same order id", async () => {
    const member = fresh();
    const body = { member: { address: member }, amountCents: 4_321, currency: "EUR", orderId: "same-order-200" };
    const answers = await Promise.all(Array.from({ length: 200 }, () => post(body)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(199);
    const expected = computePoints({ amountCents: 4_321n, tier: 0, rules: RULES, campaigns: [], at: new Date() }).points;
    expect(new Set(answers.map((a) => a.body.txHash)).size).toBe(1);
    expect(answers.every((a) => a.body.points === expected.toString())).toBe(true);
    expect(answers.filter((a) => a.body.replayed === true)).toHaveLength(199);
    const logs = await issuedLogs(purchaseRef(MERCHANT, "same-order-200"));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.args.amount).toBe(expected);
    expect(await balance(member)).toBe(expected);
    // The same purchase once more, later: the same answer, nothing issued.
    const again = await post(body);
    expect(again).toMatchObject({ status: 200, body: { replayed: true, txHash: answers[0]!.body.txHash } });
    expect(await balance(member)).toBe(expected);
  });

  it("issues 200 distinct purchases with the amounts the rules give", async () => {
    const purchases = Array.from({ length: 200 }, (_, i) => ({ member: fresh(), amountCents: 1 + ((i * 7_919) % 250_000), orderId: `distinct-${i}` }));
    const answers = await Promise.all(purchases.map((p) => post({ member: { address: p.member }, amountCents: String(p.amountCents), currency: "EUR", orderId: p.orderId })));
    for (const [i, a] of answers.entries()) {
      const p = purchases[i]!;
      const expected = computePoints({ amountCents: BigInt(p.amountCents), tier: 0, rules: RULES, campaigns: [], at: new Date() });
      expect(a.status, JSON.stringify(a.body)).toBe(201);
      expect(a.body.points).toBe(expected.points.toString());
      expect(a.body.breakdown).toEqual(expected.breakdown.map((l) => ({ ...l, points: l.points.toString() })));
      expect(await balance(p.member)).toBe(expected.points);
    }
    // Coalesced: far fewer transactions than purchases, and each purchase issued once under its ref.
    const hashes = answers.map((a) => a.body.txHash).filter(Boolean);
    expect(new Set(hashes).size).toBeLessThanOrEqual(hashes.length / 4);
    const issued = await issuedLogs();
    for (const p of purchases) {
      const mine = issued.filter((l) => l.args.ref === purchaseRef(MERCHANT, p.orderId));
      expect(mine.length, p.orderId).toBeLessThanOrEqual(1);
      expect(mine.length === 1).toBe(answers[purchases.indexOf(p)]!.body.points !== "0");
    }
  }, 120_000);

  it("answers a member who moved to their own wallet 422 member_moved, while the purchases batched with it issue", async () => {
    const mover = privateKeyToAccount(generatePrivateKey());
    const wallet = fresh();
    await send(OPERATOR, "grantRole", [MIGRATOR_ROLE, devAccount(OPERATOR).address]);
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const [nonce, name] = await Promise.all([
      client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "nonces", args: [mover.address] }),
      client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "name" }),
    ]);
    const signature = await mover.signTypedData({ domain: accountMigrationDomain(hardhat.id, points, name), types: accountMigrationTypes, primaryType: "AccountMigration", message: { from: mover.address, to: wallet, nonce, deadline } });
    await send(OPERATOR, "migrateAccount", [mover.address, wallet, deadline, signature]);
    const members = Array.from({ length: 60 }, fresh);
    const answers = await Promise.all([
      ...members.map((m, i) => post({ member: { address: m }, amountCents: 2_000, currency: "EUR", orderId: `with-mover-${i}` })),
      post({ member: { address: mover.address }, amountCents: 2_000, currency: "EUR", orderId: "mover" }),
    ]);
    const moved = answers.at(-1)!;
    expect([moved.status, moved.body.error?.code]).toEqual([422, "member_moved"]);
    expect(moved.body.error.message).toContain(getAddress(wallet));
    expect(answers.slice(0, -1).map((a) => a.status)).toEqual(members.map(() => 201));
    expect(new Set(answers.slice(0, -1).map((a) => a.body.txHash)).size).toBeLessThan(members.length / 4);
    expect(await balance(mover.address)).toBe(0n);
    expect((await get("/api/v1/purchases/mover")).body).toMatchObject({ status: "failed", error: { code: "member_moved" } });
  }, 120_000);

  it("applies the member's on-chain tier and the active campaigns", async () => {
    // A member well into the top tier (issued directly by another merchant).
    const member = fresh();
    await send(3, "issue", [member, 100_000n, purchaseRef(OTHER_MERCHANT, `tier-fund-${member}`)]);
    const tier = Number(await client.readContract({ address: points, abi: loyaltyPointsAbi, functionName: "tierOf", args: [member] }));
    expect(tier).toBeGreaterThan(0);
    const start = new Date(Date.now() - 60_000), end = new Date(Date.now() + 3_600_000);
    await db.query(`INSERT INTO campaigns (merchant, name, kind, multiplier_bps, starts_at, ends_at) VALUES ($1, 'Double days', 'multiplier', 20000, $2, $3)`, [MERCHANT.toLowerCase(), start, end]);
    await db.query(`INSERT INTO campaigns (merchant, name, kind, bonus_points, min_amount_cents, starts_at, ends_at) VALUES (NULL, 'Coalition week', 'bonus', 40, 1000, $1, $2)`, [start, end]);
    await db.query(`INSERT INTO campaigns (merchant, name, kind, bonus_points, starts_at, ends_at) VALUES ($1, 'Another shop', 'bonus', 999, $2, $3)`, [OTHER_MERCHANT.toLowerCase(), start, end]);
    const before = await balance(member);
    const r = await post({ member: { address: member }, amountCents: 2_550, currency: "EUR", orderId: "tier-and-campaigns" });
    await db.query(`UPDATE campaigns SET cancelled_at = now()`); // before any assertion: later tests expect none
    expect(r.status).toBe(201);
    // base 51, tier ×(multiplier), cashback floor(2550×150/10000) = 38, ×2 campaign +51, coalition bonus 40
    const tierBonus = (51n * (RULES.tierMultipliersBps[tier]! - 10_000n)) / 10_000n;
    expect(r.body.breakdown.map((l: { rule: string; points: string }) => [l.rule, l.points])).toEqual([
      ["base", "51"],
      ...(tierBonus > 0n ? [["tier", tierBonus.toString()]] : []),
      ["cashback", "38"],
      ["campaign", "40"], // coalition-wide campaigns first
      ["campaign", "51"],
    ]);
    expect(BigInt(r.body.points)).toBe(51n + tierBonus + 38n + 51n + 40n);
    expect((await balance(member)) - before).toBe(BigInt(r.body.points));
    // Cancelled: a purchase now earns the base, tier and cashback only.
    const after = await post({ member: { address: member }, amountCents: 2_550, currency: "EUR", orderId: "after-campaigns" });
    expect(after.body.breakdown.map((l: { rule: string }) => l.rule)).not.toContain("campaign");
  });

  it("refuses every bad input with its code, issuing nothing", async () => {
    const member = fresh();
    const ok = { member: { address: member }, amountCents: 1_000, currency: "EUR", orderId: "bad-input" };
    await db.query(`INSERT INTO users (email, address) VALUES ('known@example.com', $1)`, [fresh().toLowerCase()]);
    const revoked = await createApiKey(db, MERCHANT, "old till");
    await revokeApiKey(db, MERCHANT, revoked.id);
    const issuedBefore = (await issuedLogs()).length;
    const rowsBefore = Number((await db.query(`SELECT count(*) FROM purchases`)).rows[0].count);
    const cases: [string, Promise<{ status: number; body: Record<string, any> }>, number, string][] = [
      ["no key", post(ok, { key: null }), 401, "missing_api_key"],
      ["garbage key", post(ok, { key: "fid_nothing" }), 401, "invalid_api_key"],
      ["wrong secret", post(ok, { key: keys.main!.slice(0, -4) + "AAAA" }), 401, "invalid_api_key"],
      ["revoked key", post(ok, { key: revoked.key }), 401, "invalid_api_key"],
      ["malformed JSON", post(null, { raw: "{ not json" }), 400, "bad_json"],
      ["not an object", post([1, 2]), 400, "bad_json"],
      ["too large", post({ ...ok, pad: "x".repeat(9_000) }), 413, "too_large"],
      ["form body", post(null, { raw: "a=b", contentType: "application/x-www-form-urlencoded" }), 415, "bad_content_type"],
      ["unknown email", post({ ...ok, member: { email: "nobody@example.com" } }), 404, "unknown_member"],
      ["unknown id", post({ ...ok, member: { id: "00000000-0000-4000-8000-000000000000" } }), 404, "unknown_member"],
      ["bad address", post({ ...ok, member: { address: "0x1234" } }), 422, "invalid_member"],
      ["two member fields", post({ ...ok, member: { address: member, email: "known@example.com" } }), 422, "invalid_member"],
      ["zero", post({ ...ok, amountCents: 0 }), 422, "invalid_amount"],
      ["negative", post({ ...ok, amountCents: -500 }), 422, "invalid_amount"],
      ["fractional", post({ ...ok, amountCents: 10.5 }), 422, "invalid_amount"],
      ["fractional string", post({ ...ok, amountCents: "10.50" }), 422, "invalid_amount"],
      ["not a number", post({ ...ok, amountCents: "ten" }), 422, "invalid_amount"],
      ["missing amount", post({ ...ok, amountCents: undefined }), 422, "invalid_amount"],
      ["too large amount", post({ ...ok, amountCents: "10000000000001" }), 422, "invalid_amount"],
      ["unsafe integer", post(null, { raw: JSON.stringify(ok).replace('"amountCents":1000', '"amountCents":123456789012345678901') }), 422, "invalid_amount"],
      ["unknown currency", post({ ...ok, currency: "USD" }), 422, "unsupported_currency"],
      ["no currency", post({ ...ok, currency: undefined }), 422, "unsupported_currency"],
      ["empty order id", post({ ...ok, orderId: "" }), 422, "invalid_order_id"],
      ["long order id", post({ ...ok, orderId: "x".repeat(129) }), 422, "invalid_order_id"],
      ["control character", post({ ...ok, orderId: "a\nb" }), 422, "invalid_order_id"],
      ["reserved suffix", post({ ...ok, orderId: "x#referral" }), 422, "invalid_order_id"],
      ["merchant to itself", post({ ...ok, member: { address: MERCHANT } }), 422, "self_issuance"],
      ["not a merchant", post(ok, { key: keys.stranger }), 403, "merchant_not_active"],
    ];
    for (const [what, answer, status, code] of cases) {
      const a = await answer;
      expect([what, a.status, a.body.error?.code]).toEqual([what, status, code]);
      expect(typeof a.body.error.message).toBe("string");
    }
    expect((await issuedLogs()).length).toBe(issuedBefore);
    expect(Number((await db.query(`SELECT count(*) FROM purchases`)).rows[0].count)).toBe(rowsBefore);
    expect(await balance(member)).toBe(0n);
  });

  it("says when the merchant has not authorized the relayer, and accepts once it has", async () => {
    await send(4, "setIssuingAgent", [devAccount(1).address, false]);
    const member = fresh();
    const body = { member: { address: member }, amountCents: 500, currency: "EUR", orderId: "idle-1" };
    const refused = await post(body, { key: keys.idle });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("merchant_not_active");
    expect(refused.body.error.message).toMatch(/relayer .* not authorized/);
    await send(4, "setIssuingAgent", [devAccount(1).address, true]);
    const accepted = await post(body, { key: keys.idle });
    expect(accepted.status).toBe(201);
    expect(await balance(member)).toBe(5n);
  });

  it("refuses a reused order id with another payload; a purchase over the allowance fails, then succeeds once raised", async () => {
    const member = fresh();
    const first = await post({ member: { address: member }, amountCents: 999, currency: "EUR", orderId: "conflict" });
    expect(first.status).toBe(201);
    for (const change of [{ amountCents: 998 }, { member: { address: fresh() } }]) {
      const r = await post({ member: { address: member }, amountCents: 999, currency: "EUR", orderId: "conflict", ...change });
      expect([r.status, r.body.error?.code]).toEqual([409, "order_conflict"]);
    }
    expect(await balance(member)).toBe(BigInt(first.body.points));

    // Merchant 3 (default rules: 1 point per euro) with a tiny allowance.
    await send(OPERATOR, "setIssuanceAllowance", [OTHER_MERCHANT, 10n]);
    const big = { member: { address: member }, amountCents: 5_000, currency: "EUR", orderId: "over-allowance" };
    const refused = await post(big, { key: keys.other });
    expect([refused.status, refused.body.error?.code]).toEqual([409, "allowance_exceeded"]);
    expect((await get("/api/v1/purchases/over-allowance", keys.other)).body).toMatchObject({ status: "failed", error: { code: "allowance_exceeded" } });
    await send(OPERATOR, "setIssuanceAllowance", [OTHER_MERCHANT, 1_000_000n]);
    const retried = await post(big, { key: keys.other });
    expect(retried.status).toBe(201);
    expect(retried.body.points).toBe(computePoints({ amountCents: 5_000n, tier: 0, rules: DEFAULT_RULES, campaigns: [], at: new Date() }).points.toString());
  });

  it("pays the referrer once, on the member's first purchase in the coalition", async () => {
    const member = fresh(), referrer = fresh();
    await db.query(`INSERT INTO referrals (member, referrer) VALUES ($1, $2)`, [member.toLowerCase(), referrer.toLowerCase()]);
    await setRules(db, MERCHANT, { ...RULES, referralBonusPoints: 25n });
    const first = await post({ member: { address: member }, amountCents: 1_000, currency: "EUR", orderId: "referred-1" });
    expect(first.status).toBe(201);
    expect(first.body.referral).toMatchObject({ referrer: getAddress(referrer), points: "25", status: "issued" });
    expect(await balance(referrer)).toBe(25n);
    expect(await issuedLogs(purchaseRef(MERCHANT, "referred-1#referral"))).toHaveLength(1);
    const second = await post({ member: { address: member }, amountCents: 1_000, currency: "EUR", orderId: "referred-2" });
    expect(second.status).toBe(201);
    expect(second.body.referral).toBeNull();
    expect(await balance(referrer)).toBe(25n);
    await setRules(db, MERCHANT, RULES);
  });

  it("refunds what the member still holds, reports the rest, and only for the key's merchant", async () => {
    // A member with a key, to spend points between purchase and refund.
    const spender = devAccount(17);
    const start = await balance(spender.address);
    const bought = await post({ member: { address: spender.address }, amountCents: 10_000, currency: "EUR", orderId: "refund-me" });
    expect(bought.status).toBe(201);
    const issued = BigInt(bought.body.points);
    // Another merchant's key sees nothing of it.
    expect((await get("/api/v1/purchases/refund-me", keys.other)).status).toBe(404);
    expect((await post(null, { key: keys.other, path: "/api/v1/purchases/refund-me/refund", raw: "" })).body.error.code).toBe("unknown_order");
    expect((await get("/api/v1/purchases/refund-me")).body).toMatchObject({ status: "issued", points: issued.toString() });

    // The member spends all but 100 points.
    await send(17, "transfer", [devAccount(18).address, start + issued - 100n]);
    const refund = await post(null, { path: "/api/v1/purchases/refund-me/refund", raw: "" });
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ clawedBack: "100", notClawedBack: (issued - 100n).toString(), reason: "member_spent_points" });
    expect(await balance(spender.address)).toBe(0n);
    // Once more: nothing left to take.
    const again = await post(null, { path: "/api/v1/purchases/refund-me/refund", raw: "" });
    expect(again.body).toMatchObject({ clawedBack: "0", notClawedBack: (issued - 100n).toString(), reason: "member_spent_points" });

    // A full refund.
    const member = fresh();
    const full = await post({ member: { address: member }, amountCents: 3_000, currency: "EUR", orderId: "refund-all" });
    const r = await post(null, { path: "/api/v1/purchases/refund-all/refund", raw: "" });
    expect(r.body).toMatchObject({ clawedBack: full.body.points, notClawedBack: "0", reason: null });
    expect(await balance(member)).toBe(0n);
    expect((await post(null, { path: "/api/v1/purchases/refund-all/refund", raw: "" })).body).toMatchObject({ clawedBack: "0", reason: "already_refunded" });
    expect((await post(null, { path: "/api/v1/purchases/no-such-order/refund", raw: "" })).status).toBe(404);
  });

  it("refuses points to an unverified email with member_unverified, issuing nothing; once verified, the same order goes through", async () => {
    const address = fresh();
    await db.query(`INSERT INTO users (email, address) VALUES ('squatter@example.com', $1)`, [address.toLowerCase()]);
    const issuedBefore = (await issuedLogs()).length;
    const refused = await post({ member: { email: "squatter@example.com" }, amountCents: 900, currency: "EUR", orderId: "unverified-email" });
    expect([refused.status, refused.body.error?.code]).toEqual([422, "member_unverified"]);
    expect(refused.body.error.message).toMatch(/verified/);
    expect((await db.query(`SELECT count(*)::int AS n FROM purchases WHERE order_id = 'unverified-email'`)).rows[0].n).toBe(0);
    expect((await issuedLogs()).length).toBe(issuedBefore);
    expect(await balance(address)).toBe(0n);
    await db.query(`UPDATE users SET email_verified_at = now() WHERE email = 'squatter@example.com'`);
    const later = await post({ member: { email: "squatter@example.com" }, amountCents: 900, currency: "EUR", orderId: "unverified-email" });
    expect(later.status).toBe(201);
    expect(await balance(address)).toBe(BigInt(later.body.points));
  });

  it("accepts a member by email, and stops accepting a key once revoked", async () => {
    const address = fresh();
    const { rows } = await db.query(`INSERT INTO users (email, address, email_verified_at) VALUES ('shopper@example.com', $1, now()) RETURNING id`, [address.toLowerCase()]);
    const byEmail = await post({ member: { email: "Shopper@Example.com" }, amountCents: 700, currency: "EUR", orderId: "by-email" });
    // The points reach the member's wallet, whose address the API never tells (it is no directory).
    expect([byEmail.status, byEmail.body.member]).toEqual([201, { given: "email" }]);
    const byId = await post({ member: { id: rows[0].id }, amountCents: 700, currency: "EUR", orderId: "by-id" });
    expect(byId.status).toBe(201);
    expect(await balance(address)).toBe(2n * BigInt(byEmail.body.points));

    const till = await createApiKey(db, MERCHANT, "till to revoke");
    expect((await post({ member: { address }, amountCents: 100, currency: "EUR", orderId: "before-revoke" }, { key: till.key })).status).toBe(201);
    await revokeApiKey(db, MERCHANT, till.id);
    const after = await post({ member: { address }, amountCents: 100, currency: "EUR", orderId: "after-revoke" }, { key: till.key });
    expect([after.status, after.body.error?.code]).toEqual([401, "invalid_api_key"]);
    expect((await get("/api/v1/purchases/after-revoke")).status).toBe(404);
  });

  describe("POST /api/relay (self-custody members' signed requests)", () => {
    async function signedTransfer(from: number, to: Address, amount: bigint) {
      const forwarder = JSON.parse(readFileSync(stack.deploymentFile, "utf8")).contracts.LoyaltyForwarder.address as Address;
      const account = devAccount(from);
      const nonce = await client.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [account.address] });
      const message = {
        from: account.address,
        to: points,
        value: 0n,
        gas: 100_000n, // within the relayer's cap for a transfer (web/lib/relayer/allowlist.ts)
        nonce,
        deadline: Math.floor(Date.now() / 1000) + 600,
        data: encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [to, amount] }),
      };
      const signature = await account.signTypedData({ domain: forwarderDomain(hardhat.id, forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
      const { nonce: _nonce, ...request } = message;
      return { ...request, value: "0", gas: request.gas.toString(), signature };
    }

    const relay = (body: unknown, headers: Record<string, string>) =>
      fetch(`${stack.webUrl}/api/relay`, { method: "POST", headers: { "content-type": "application/json", origin: stack.webUrl, ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

    it("relays the signed-in wallet's own transfer without gas, and refuses anyone else's", async () => {
      const member = 16;
      // Points to move (a purchase), then the member's own signed transfer, relayed.
      await post({ member: { address: devAccount(member).address }, amountCents: 5_000, currency: "EUR", orderId: "relay-fund" });
      const cookie = await walletSession(member);
      const to = fresh();
      const ethBefore = await client.getBalance({ address: devAccount(member).address });
      const ok = await relay({ request: await signedTransfer(member, to, 3n) }, { cookie });
      expect(ok).toMatchObject({ status: 200, body: { status: "confirmed" } });
      expect(await balance(to)).toBe(3n);
      expect(await client.getBalance({ address: devAccount(member).address })).toBe(ethBefore); // no gas paid

      // Another member's request, even validly signed by them: not this session's.
      expect((await relay({ request: await signedTransfer(15, to, 1n) }, { cookie })).body.error.code).toBe("not_your_request");
      // No session, another site, garbage.
      expect((await relay({ request: await signedTransfer(member, to, 1n) }, {})).status).toBe(401);
      expect((await relay({ request: await signedTransfer(member, to, 1n) }, { cookie, origin: "https://evil.example" })).status).toBe(403);
      expect((await relay({ request: { from: devAccount(member).address } }, { cookie })).body.error.code).toBe("bad_request");
      // A forged signature: the forwarder's verify() refuses it, nothing sent.
      const forged = { ...(await signedTransfer(member, to, 1n)), signature: (await signedTransfer(15, to, 1n)).signature };
      forged.from = devAccount(member).address;
      expect((await relay({ request: forged }, { cookie })).body.error.code).toBe("bad_signature");
      expect(await balance(to)).toBe(3n);
    });
  });

  it("merchant console routes: roles asked to the chain, same origin, coalition campaigns for the operator only", async () => {
    const consoleApi = (path: string, body: unknown, cookie: string, origin = stack.webUrl) =>
      fetch(`${stack.webUrl}/api/merchant/${path}`, { method: "POST", headers: { "content-type": "application/json", origin, cookie }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, any>,
      }));
    const [merchant, member, operator] = [await walletSession(3), await walletSession(12), await walletSession(OPERATOR)];
    const window = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };

    // A key made in the console works on the API at once.
    const made = await consoleApi("api-keys", { label: "console test" }, merchant);
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^fid_/);
    expect((await post({ member: { address: fresh() }, amountCents: 100, currency: "EUR", orderId: "console-key" }, { key: made.body.key })).status).toBe(201);
    expect((await consoleApi(`api-keys/${made.body.id}/revoke`, {}, member)).body.error.code).toBe("not_merchant");
    expect((await consoleApi(`api-keys/${made.body.id}/revoke`, {}, merchant)).status).toBe(200);

    expect((await consoleApi("api-keys", { label: "x" }, member)).body.error.code).toBe("not_merchant");
    expect((await consoleApi("api-keys", { label: "x" }, merchant, "https://evil.example")).status).toBe(403);
    expect((await consoleApi("api-keys", { label: "x" }, "")).status).toBe(401);
    expect((await consoleApi("rules", { pointsPerEuro: 2, cashbackBps: 20_000, tierMultipliersBps: [10_000], referralBonusPoints: 0 }, merchant)).body.error.code).toBe("invalid_cashback_bps");
    const campaign = { name: "Coalition test week", kind: "bonus", bonusPoints: 7, ...window, coalition: true };
    expect((await consoleApi("campaigns", campaign, merchant)).body.error.code).toBe("not_operator");
    const created = await consoleApi("campaigns", campaign, operator);
    expect(created.status).toBe(201);
    // Members see it on the home page; a merchant cannot cancel it, the operator can.
    expect(await (await fetch(`${stack.webUrl}/`)).text()).toContain("Coalition test week");
    expect((await consoleApi(`campaigns/${created.body.id}/cancel`, { coalition: true }, merchant)).body.error.code).toBe("not_operator");
    expect((await consoleApi(`campaigns/${created.body.id}/cancel`, {}, merchant)).status).toBe(404);
    expect((await consoleApi(`campaigns/${created.body.id}/cancel`, { coalition: true }, operator)).status).toBe(200);
    expect(await (await fetch(`${stack.webUrl}/`)).text()).not.toContain("Coalition test week");
  });
});
