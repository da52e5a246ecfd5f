/**
 * Custodial (email) members through the real web server: sign-up and log-in refuse bad input with
 * a code and a message, set an httpOnly SameSite session cookie of kind "custodial", and a session
 * reads only its own member. The member pages then serve the custodial member (its balance and history).
 */
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { en } from "../../web/lib/i18n/messages/en.ts";
import { fr } from "../../web/lib/i18n/messages/fr.ts";
import { expect, test } from "./fixtures.ts";

test.describe.configure({ mode: "serial" });

const PASSWORD = "a long enough password";
const email = (who: string) => `${who}-${randomBytes(4).toString("hex")}@example.com`;

test("sign-up and log-in over HTTP: errors, cookies, and one member per session", async ({ request, stack, playwright }) => {
  const origin = stack.webUrl;
  const post = (path: string, data: unknown, headers: Record<string, string> = { origin }) =>
    request.post(path, { data, headers: { "content-type": "application/json", ...headers }, maxRedirects: 0 });
  const errorOf = async (r: Awaited<ReturnType<typeof post>>) => ((await r.json()) as { error: { code: string; message: string } }).error;

  // Not from this site.
  let r = await post("/api/auth/signup", { email: email("x"), password: PASSWORD }, {});
  expect(r.status()).toBe(403);
  expect((await errorOf(r)).code).toBe("cross_origin");
  r = await post("/api/auth/signup", { email: email("x"), password: PASSWORD }, { origin: "http://evil.example" });
  expect(r.status()).toBe(403);

  for (const [data, status, code] of [
    [{ email: "not-an-email", password: PASSWORD }, 400, "bad_email"],
    [{ email: email("short"), password: "short" }, 400, "weak_password"],
    [{ email: email("nopw") }, 400, "bad_password"],
  ] as const) {
    r = await post("/api/auth/signup", data);
    expect(r.status(), JSON.stringify(data)).toBe(status);
    const err = await errorOf(r);
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(5);
    expect(r.headers()["set-cookie"]).toBeUndefined();
  }
  r = await request.post("/api/auth/signup", { data: "{not json", headers: { "content-type": "application/json", origin } });
  expect(r.status()).toBe(400);
  expect((await errorOf(r)).code).toBe("bad_json");
  r = await request.post("/api/auth/signup", { data: JSON.stringify({ email: email("big"), password: "x".repeat(100_000) }), headers: { "content-type": "application/json", origin } });
  expect(r.status()).toBe(413);
  expect((await errorOf(r)).code).toBe("too_large");
  r = await request.post("/api/auth/login", { data: "email=a@b.c", headers: { "content-type": "application/x-www-form-urlencoded", origin } });
  expect(r.status()).toBe(415);

  // Two members.
  const alice = email("alice");
  const bob = email("bob");
  const signUp = async (who: string) => {
    const res = await post("/api/auth/signup", { email: who, password: PASSWORD });
    expect(res.status()).toBe(201);
    const cookie = res.headers()["set-cookie"]!;
    expect(cookie).toMatch(/^fid_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax/);
    expect(cookie).toContain("; Secure"); // `next start` runs in production mode
    const body = (await res.json()) as { address: string; kind: string };
    expect(body.kind).toBe("custodial");
    expect(JSON.stringify(body)).not.toMatch(/[0-9a-f]{64}/i); // no key, no hash, nothing secret
    return { address: body.address, cookie: cookie.split(";")[0]! };
  };
  const a = await signUp(alice);
  const b = await signUp(bob);
  expect(a.address).not.toBe(b.address);

  r = await post("/api/auth/signup", { email: alice.toUpperCase(), password: PASSWORD });
  expect(r.status()).toBe(409);
  expect((await errorOf(r)).code).toBe("email_taken");

  r = await post("/api/auth/login", { email: alice, password: "the wrong password" });
  expect(r.status()).toBe(401);
  expect((await errorOf(r)).code).toBe("bad_credentials");
  r = await post("/api/auth/login", { email: alice, password: PASSWORD });
  expect(r.status()).toBe(200);
  expect(((await r.json()) as { address: string }).address).toBe(a.address);

  // Each session reads its own member, and only that one.
  const me = async (cookie?: string) => (await (await request.get("/api/me", { headers: cookie ? { cookie } : {} })).json()) as { session: { address: string; kind: string } | null };
  expect((await me(a.cookie)).session).toEqual({ address: a.address, kind: "custodial" });
  expect((await me(b.cookie)).session).toEqual({ address: b.address, kind: "custodial" });
  const [payload, mac] = a.cookie.slice("fid_session=".length).split(".");
  const forged = Buffer.from(Buffer.from(payload!, "base64url").toString().replace(a.address, b.address)).toString("base64url");
  expect((await me(`fid_session=${forged}.${mac}`)).session).toBeNull();
  // (this test's request context keeps the cookies it was sent: a fresh one has none)
  const anonymous = await playwright.request.newContext({ baseURL: stack.webUrl });
  expect(((await (await anonymous.get("/api/me")).json()) as { session: unknown }).session).toBeNull();
  await anonymous.dispose();
});

test("a custodial member's pages: balance and history from the mirror", async ({ page, request, stack }) => {
  const res = await request.post("/api/auth/signup", { data: { email: email("carol"), password: PASSWORD }, headers: { "content-type": "application/json", origin: stack.webUrl } });
  expect(res.status()).toBe(201);
  const [name, value] = res.headers()["set-cookie"]!.split(";")[0]!.split("=") as [string, string];
  await page.context().addCookies([{ name, value, url: stack.webUrl }]);
  await page.goto("/member");
  await expect(page.getByTestId("header-balance")).toHaveText("0");
  await expect(page.getByTestId("member-balance")).toHaveText(/^0/);
});

/** Every script `page` downloads from now on (their text, once `settled()` is awaited). */
function scriptsOf(page: Page) {
  const bodies: Promise<string>[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "script") bodies.push(r.text().catch(() => ""));
  });
  return { settled: async () => (await Promise.all(bodies)).join("\n"), clear: () => void bodies.splice(0) };
}

/** The dictionary's plain texts that exist in `locale` only (as they would appear in a script). */
function onlyIn(locale: "fr" | "en") {
  const [mine, other] = locale === "fr" ? [fr, en] : [en, fr];
  return Object.entries(mine)
    .filter(([key, text]) => text !== other[key as keyof typeof other] && /^[A-Za-zÀ-ÿ ,.:]{30,}$/.test(text))
    .map(([, text]) => text);
}

// wagmi's errors point at its documentation: the wallet libraries' chunk carries the address.
const WALLET_LIBRARIES = "wagmi.sh";

test("a visitor and a custodial member download neither the wallet libraries nor the other language", async ({ page, request, stack }) => {
  expect(onlyIn("en").length).toBeGreaterThan(20);
  expect(onlyIn("fr").length).toBeGreaterThan(20);
  // A visitor, in French: no wallet code, no English dictionary...
  let scripts = scriptsOf(page);
  await page.goto("/member");
  await page.waitForLoadState("networkidle");
  let code = await scripts.settled();
  expect(code).not.toContain(WALLET_LIBRARIES);
  expect(onlyIn("en").filter((text) => code.includes(text))).toEqual([]);
  // ...until they choose to connect a wallet: then it loads, and lists the browser's wallet.
  await page.getByRole("button", { name: "Connecter un portefeuille" }).click();
  await expect(page.getByRole("button", { name: "E2E Wallet" })).toBeVisible();
  expect(await scripts.settled()).toContain(WALLET_LIBRARIES);

  // A custodial member never downloads them, in either language.
  const res = await request.post("/api/auth/signup", { data: { email: email("dora"), password: PASSWORD }, headers: { "content-type": "application/json", origin: stack.webUrl } });
  expect(res.status()).toBe(201);
  const [name, value] = res.headers()["set-cookie"]!.split(";")[0]!.split("=") as [string, string];
  const member = await page.context().newPage();
  await member.context().addCookies([{ name, value, url: stack.webUrl }]);
  scripts = scriptsOf(member);
  await member.goto("/member");
  await expect(member.getByTestId("member-balance")).toHaveText(/^0/);
  await member.waitForLoadState("networkidle");
  expect(await scripts.settled()).not.toContain(WALLET_LIBRARIES);
  await member.getByTestId("lang-en").click();
  await expect(member.getByRole("heading", { level: 1 })).toHaveText(en["member.title"]);
  scripts.clear();
  await member.reload();
  await expect(member.getByTestId("member-balance")).toHaveText(/^0/);
  await member.waitForLoadState("networkidle");
  code = await scripts.settled();
  expect(code).not.toContain(WALLET_LIBRARIES);
  expect(onlyIn("fr").filter((text) => code.includes(text))).toEqual([]);
  await member.close();
});
