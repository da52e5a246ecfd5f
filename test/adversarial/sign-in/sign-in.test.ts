/**
 * Sign-in, attacked: phishing through forwarded headers, SIWE messages for another site, URI or
 * chain, stale and replayed nonces, nonces carried to another browser, forged session cookies,
 * cross-site posts, and using the login limit to lock a member out. Against the real stack (the
 * production web server behind a trusted proxy, so that each "client" has its own address).
 */
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { devAccount } from "../../../scripts/lib/dev-accounts.ts";
import { ROOT } from "../../e2e/stack.ts";
import { Browser, onboardMerchant, signIn, siweMessage, startWebStack, whoAmI, type WebStack } from "../support/web.ts";

const EVIL = "https://evil.example";
const SECRET = randomBytes(32).toString("hex");
let w: WebStack;
let site: string;

const ip = (n: number) => `198.51.100.${n}`;
const fresh = () => privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  w = await startWebStack({ logName: "adversarial-sign-in-logs.txt", webEnv: { TRUST_PROXY: "1", SESSION_SECRET: SECRET } });
  site = w.stack.webUrl;
  await onboardMerchant(w, 2);
}, 600_000);

afterAll(async () => {
  await w?.stop();
}, 60_000);

describe("Sign-In with Ethereum cannot be phished through headers", () => {
  const merchant = devAccount(2);

  it("never turns a signature made for evil.example into a session, whatever Host, X-Forwarded-Host or Origin say", async () => {
    const forged: Record<string, string>[] = [
      { origin: EVIL, "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" },
      { origin: "http://evil.example", "x-forwarded-host": "evil.example" },
      { origin: EVIL, forwarded: "host=evil.example;proto=https" },
      { origin: EVIL, "x-forwarded-host": "evil.example", "x-forwarded-port": "443", "x-original-host": "evil.example" },
    ];
    for (const headers of forged) {
      // The phishing site fetches a nonce from us and has the merchant's wallet sign a message for
      // its own domain (no wallet warning: that IS the site the merchant is on).
      const attacker = new Browser(site, { "x-forwarded-for": ip(66) });
      const { body } = await attacker.fetch("/api/auth/nonce");
      const message = siweMessage(site, merchant, body.nonce, { domain: "evil.example", uri: EVIL });
      const signature = await merchant.signMessage({ message });
      const r = await attacker.fetch("/api/auth/verify", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ message, signature }) });
      expect(r.status, JSON.stringify({ headers, body: r.body })).toBeGreaterThanOrEqual(400);
      expect(attacker.cookies.has("fid_session")).toBe(false);
      // And with no session, no purchase-API key in the merchant's name.
      const key = await attacker.post("/api/merchant/api-keys", { label: "stolen" });
      expect(key.status).toBe(401);
    }
    // The same merchant signing in on the real site works.
    const real = new Browser(site, { "x-forwarded-for": ip(2) });
    expect((await signIn(real, merchant)).status).toBe(200);
    expect(await whoAmI(real)).toBe(merchant.address);
  });

  it("refuses a message for this site's host but another scheme, URI, port or chain", async () => {
    const url = new URL(site);
    const cases = [
      { uri: `https://${url.host}` }, // our host, another scheme: not the origin the member was on
      { uri: EVIL },
      { uri: `${site}.evil.example` },
      { domain: `${url.hostname}:1` },
      { chainId: 1 },
    ];
    for (const f of cases) {
      const b = new Browser(site, { "x-forwarded-for": ip(3) });
      const r = await signIn(b, fresh(), f);
      expect(r.status, JSON.stringify({ f, body: r.body })).toBe(401);
      expect(b.cookies.has("fid_session")).toBe(false);
    }
  });

  it("refuses expired, not-yet-valid and stale messages", async () => {
    const now = Date.now();
    for (const f of [{ expirationTime: new Date(now - 1_000) }, { issuedAt: new Date(now - 3_600_000), expirationTime: new Date(now + 3_600_000) }, { issuedAt: new Date(now + 3_600_000), expirationTime: new Date(now + 7_200_000) }]) {
      const b = new Browser(site, { "x-forwarded-for": ip(4) });
      expect((await signIn(b, fresh(), f)).status).toBe(401);
      expect(b.cookies.has("fid_session")).toBe(false);
    }
  });

  it("refuses a message that is not exactly the EIP-4361 text it parses to (nothing hidden after it)", async () => {
    const b = new Browser(site, { "x-forwarded-for": ip(5) });
    const account = fresh();
    const { body } = await b.fetch("/api/auth/nonce");
    const message = `${siweMessage(site, account, body.nonce)}\n\nAlso sign in at ${EVIL}`;
    const r = await b.post("/api/auth/verify", { message, signature: await account.signMessage({ message }) });
    expect(r).toMatchObject({ status: 400, body: { error: { code: "bad_message" } } });
    expect(b.cookies.has("fid_session")).toBe(false);
  });

  it("spends a nonce once, and only in the browser that asked for it", async () => {
    const account = fresh();
    const asker = new Browser(site, { "x-forwarded-for": ip(6) });
    const other = new Browser(site, { "x-forwarded-for": ip(6) });
    const { body } = await asker.fetch("/api/auth/nonce");
    const message = siweMessage(site, account, body.nonce);
    const signature = await account.signMessage({ message });
    // Carried to another browser (a fixated or leaked nonce): refused, and the nonce stays usable
    // by the browser that asked for it.
    const elsewhere = await other.post("/api/auth/verify", { message, signature });
    expect(elsewhere.status).toBe(401);
    expect(other.cookies.has("fid_session")).toBe(false);
    expect((await asker.post("/api/auth/verify", { message, signature })).status).toBe(200);
    // Replayed, even by the same browser.
    const again = new Browser(site, { "x-forwarded-for": ip(6) });
    for (const [k, v] of asker.cookies) if (k !== "fid_session") again.cookies.set(k, v);
    expect((await again.post("/api/auth/verify", { message, signature })).status).toBe(401);
    expect((await asker.post("/api/auth/verify", { message, signature })).status).toBe(401);
  });
});

describe("nonces cannot be farmed", () => {
  it("limits the nonces one client address may ask for (each is a row in the database)", async () => {
    const farmer = new Browser(site, { "x-forwarded-for": "203.0.113.200" });
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await farmer.fetch("/api/auth/nonce")).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another client still signs in.
    expect((await signIn(new Browser(site, { "x-forwarded-for": "203.0.113.201" }), fresh())).status).toBe(200);
  });
});

describe("session cookies cannot be forged or altered", () => {
  it("refuses altered payloads, missing or foreign MACs, and cookies of another server's secret", async () => {
    const account = fresh();
    const b = new Browser(site, { "x-forwarded-for": ip(7) });
    expect((await signIn(b, account)).status).toBe(200);
    const cookie = b.cookies.get("fid_session")!;
    const [payload, mac] = cookie.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const victim = devAccount(2).address;
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const sign = (p: string, secret: string) => createHmac("sha256", secret).update(p).digest("base64url");
    const forgeries = [
      `${enc({ ...claims, a: victim })}.${mac}`, // someone else's address, old MAC
      `${enc({ ...claims, k: "custodial" })}.${mac}`, // another kind
      `${enc({ ...claims, e: claims.e + 86_400 * 365 })}.${mac}`, // a longer life
      `${payload}`, // no MAC
      `${payload}.`,
      `${enc({ ...claims, a: victim })}.${sign(enc({ ...claims, a: victim }), "another server's secret that is long enough")}`,
      `${enc({ ...claims, a: victim })}.${sign(enc({ ...claims, a: victim }), "")}`,
      `${payload}.${mac}.${mac}`,
    ];
    for (const forged of forgeries) {
      const attacker = new Browser(site, { "x-forwarded-for": ip(8) });
      attacker.cookies.set("fid_session", forged);
      expect(await whoAmI(attacker), forged).toBeNull();
      expect((await attacker.post("/api/merchant/api-keys", { label: "x" })).status).toBe(401);
    }
    expect(await whoAmI(b)).toBe(account.address);
  });
});

describe("a stolen session cookie dies with \"sign out everywhere\"", () => {
  it("a copy of the member's cookie taken before is signed out afterwards, on every route, /api/me included", async () => {
    const member = new Browser(site, { "x-forwarded-for": ip(30) });
    const email = `stolen-${randomBytes(4).toString("hex")}@example.com`;
    const signup = await member.post("/api/auth/signup", { email, password: "correct horse battery staple" });
    expect(signup.status).toBe(201);
    const address = signup.body.address;
    // The attacker copied the cookie (a shared computer, a leaked backup of the browser profile).
    const thief = new Browser(site, { "x-forwarded-for": ip(31) });
    thief.cookies.set("fid_session", member.cookies.get("fid_session")!);
    expect(await whoAmI(thief)).toBe(address);

    expect((await member.post("/api/member/logout-all", {})).status).toBe(200);

    expect(await whoAmI(thief)).toBeNull();
    const transfer = await thief.post("/api/member/transfer", { to: devAccount(5).address, amount: "1" });
    expect(transfer.status).toBe(401);
    expect(transfer.body.error.code).toBe("session_revoked");
    expect((await thief.fetch("/api/member/export")).status).toBe(401);
    // The member signs in again and is recognised; the old copy still is not.
    expect((await member.post("/api/auth/login", { email, password: "correct horse battery staple" })).status).toBe(200);
    expect(await whoAmI(member)).toBe(address);
    expect(await whoAmI(thief)).toBeNull();
  });
});

describe("state-changing routes accept only this site's origin", () => {
  it("refuses a foreign Origin whatever the forwarded headers claim, a missing Origin and Origin: null", async () => {
    const b = new Browser(site, { "x-forwarded-for": ip(9) });
    expect((await signIn(b, fresh())).status).toBe(200);
    const variants: Record<string, string>[] = [
      { origin: EVIL, "x-forwarded-host": "evil.example" },
      { origin: "http://evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" },
      { origin: "null" },
      {},
    ];
    for (const headers of variants) {
      for (const path of ["/api/auth/logout", "/api/auth/login", "/api/relay", "/api/member/consents", "/api/merchant/api-keys"]) {
        const r = await b.fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ email: "a@b.example", password: "x".repeat(12) }) });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.body?.error?.code).toBe("cross_origin");
      }
    }
    // Still signed in: the cross-site logout did nothing.
    expect(await whoAmI(b)).not.toBeNull();
  });

  it("a cross-site HTML form (text/plain, no preflight) cannot log anyone in or out", async () => {
    const b = new Browser(site, { "x-forwarded-for": ip(10) });
    const form = `{"email":"victim@shop.example","password":"correct horse battery","x":"=`;
    const r = await b.fetch("/api/auth/login", { method: "POST", headers: { "content-type": "text/plain", origin: EVIL }, body: form });
    expect(r.status).toBe(403);
    const same = await b.fetch("/api/auth/login", { method: "POST", headers: { "content-type": "text/plain", origin: site }, body: form });
    expect(same.status).toBe(415);
  });
});

describe("the login limit cannot lock a member out", () => {
  const email = `victim-${Date.now()}@shop.example`;
  const password = "correct horse battery staple";

  beforeAll(async () => {
    const b = new Browser(site, { "x-forwarded-for": ip(20) });
    expect((await b.post("/api/auth/signup", { email, password })).status).toBe(201);
  });

  it("an attacker guessing from one address is stopped; the member, from theirs, still logs in", async () => {
    const attacker = new Browser(site, { "x-forwarded-for": "203.0.113.9" });
    const answers: number[] = [];
    for (let i = 0; i < 14; i++) answers.push((await attacker.post("/api/auth/login", { email, password: `wrong guess ${i}` })).status);
    expect(answers.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(answers.slice(10).every((s) => s === 429)).toBe(true);
    // The right password from the attacker's address is refused too (no oracle while limited).
    expect((await attacker.post("/api/auth/login", { email, password })).status).toBe(429);
    const member = new Browser(site, { "x-forwarded-for": ip(21) });
    expect((await member.post("/api/auth/login", { email, password })).status).toBe(200);
  });

  it("guessing from many addresses is capped per account, yet the member's own browser still gets in", async () => {
    const member = new Browser(site, { "x-forwarded-for": ip(22) });
    expect((await member.post("/api/auth/login", { email, password })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const attacker = new Browser(site, { "x-forwarded-for": `203.0.113.${100 + i}` });
      statuses.push((await attacker.post("/api/auth/login", { email, password: `guess ${i}` })).status);
    }
    // A botnet does not get unlimited guesses at one account…
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(50);
    expect(statuses.at(-1)).toBe(429);
    // …and the member, from the browser they used before, is not locked out by it.
    expect((await member.post("/api/auth/login", { email, password })).status).toBe(200);
  });
});

describe("production start-up", () => {
  /** `npm run start:web` with `env` (on a free port); its exit code and output, or "running" after 40 s. */
  function startWeb(env: Record<string, string | undefined>): Promise<{ code: number | "running"; output: string }> {
    return new Promise((resolve) => {
      const clean: Record<string, string | undefined> = { ...process.env, DATABASE_URL: w.stack.databaseUrl, RPC_URL: w.stack.rpcUrl, DEPLOYMENT_FILE: w.stack.deploymentFile, PORT: String(20_000 + Math.floor(Math.random() * 20_000)), ...env };
      for (const k of Object.keys(clean)) if (clean[k] === undefined) delete clean[k];
      const child = spawn("npm", ["run", "--silent", "start:web"], { cwd: ROOT, env: clean as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {}
        resolve({ code: "running", output });
      }, 40_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, output });
      });
    });
  }

  it("refuses to start without APP_URL or without SESSION_SECRET (no per-process random secret)", async () => {
    const noUrl = await startWeb({ APP_URL: undefined, SESSION_SECRET: SECRET });
    expect(noUrl.code, noUrl.output.slice(-2000)).not.toBe("running");
    expect(noUrl.code).not.toBe(0);
    expect(noUrl.output).toContain("APP_URL");
    const noSecret = await startWeb({ APP_URL: site, SESSION_SECRET: undefined });
    expect(noSecret.code, noSecret.output.slice(-2000)).not.toBe("running");
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.output).toContain("SESSION_SECRET");
    // The secret itself never appears in what it printed.
    expect(noUrl.output).not.toContain(SECRET);
  }, 120_000);
});

