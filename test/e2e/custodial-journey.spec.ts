/**
 * An email member's whole journey in Chromium against the real stack: sign up in the page, earn
 * points from a merchant's API purchase, redeem a reward without any gas (the custodial address
 * holds 0 ETH throughout), move to their own wallet (the injected test wallet: points, tier and the
 * NFT arrive), then export and delete their data. Finally: the stack's logs contain neither the
 * key-encryption key, nor the relayer's key, nor any custodial key met on the way.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { getAddress, recoverTypedDataAddress, type Address } from "viem";
import { voucherDomain, voucherUseTypes } from "../../contracts/typed-data.ts";
import { decodeVoucher } from "../../web/lib/voucher.ts";
import { createApiKey } from "../../web/lib/purchases/api-keys.ts";
import { parseKek } from "../../web/lib/custody/kek.ts";
import { decryptKey } from "../../web/lib/custody/keys.ts";
import { account } from "./wallet.ts";
import { findLeakedSecrets } from "./secrets-check.ts";
import { expect, points, signIn, test } from "./fixtures.ts";

test.describe.configure({ mode: "serial" });
// A wallet that never held ETH (the demo chain funds accounts 0-39): the member's own wallet is gasless too.
const WALLET_INDEX = 77;
test.use({ walletIndex: WALLET_INDEX });

const PASSWORD = "une phrase assez longue";
const email = `journey-${randomBytes(4).toString("hex")}@example.com`;
const MERCHANT = account(2).address; // "seeded merchant #0", which authorized the relayer as its agent
const fr = (n: bigint) => new Intl.NumberFormat("fr-FR").format(n);
/** Custodial keys seen during the run (read before they are erased), to look for in the logs. */
const seenKeys: string[] = [];

async function db<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function ethBalance(rpcUrl: string, address: string): Promise<bigint> {
  const r = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [address, "latest"] }) });
  return BigInt(((await r.json()) as { result: string }).result);
}

async function rememberKey(stack: { databaseUrl: string; kek?: string }, address: string) {
  const row = await db(stack.databaseUrl, async (c) => (await c.query(`SELECT key_ciphertext AS ciphertext, key_iv AS iv, key_tag AS tag, key_version AS version FROM users WHERE address = $1`, [address.toLowerCase()])).rows[0]);
  seenKeys.push(decryptKey(row, getAddress(address), parseKek(stack.kek)).toString("hex"));
}

let custodial: Address;

test("sign up with an email, earn points from an API purchase, redeem with no gas, move to my own wallet", async ({ page, stack, wallet }) => {
  // 1. Sign up in the page (French by default), with the password rules shown and a bad try first.
  await page.goto("/");
  await page.getByTestId("auth-links").getByRole("link", { name: "S’inscrire par e-mail" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("S’inscrire avec son e-mail");
  const form = page.getByTestId("signup-form");
  await expect(form).toContainText("Au moins 10 caractères");
  await form.getByLabel("Adresse e-mail").fill(email);
  await form.getByLabel("Mot de passe").fill("court");
  await form.getByRole("button", { name: "Créer mon compte" }).click();
  await expect(form.locator(".field-error")).toHaveText("Votre mot de passe doit avoir au moins 10 caractères.");
  await form.getByLabel("Mot de passe").fill(PASSWORD);
  await form.getByLabel("Code de parrainage (facultatif)").fill("0x0000000000000000000000000000000000000001");
  await form.getByRole("button", { name: "Créer mon compte" }).click();
  await expect(form.locator(".field-error")).toHaveText("Aucun membre n’a ce code de parrainage.");
  await form.getByLabel("Code de parrainage (facultatif)").fill("");
  await form.getByLabel("Les nouvelles et offres du programme par e-mail").check();
  await form.getByRole("button", { name: "Créer mon compte" }).click();
  await expect(page).toHaveURL(/\/member$/);
  await expect(page.getByTestId("header-balance")).toHaveText("0");
  await expect(page.getByTestId("member-balance")).toHaveText("0");
  const me = (await (await page.request.get("/api/me")).json()) as { session: { address: Address; kind: string } };
  expect(me.session.kind).toBe("custodial");
  custodial = me.session.address;
  await rememberKey(stack, custodial);
  expect(await ethBalance(stack.rpcUrl, custodial)).toBe(0n);

  // 2. A purchase of 1 200 € at a merchant's till, through the purchase API (key created for the test).
  // Points sent to an email need a verified address: the link of the mail does it (followed in
  // web/lib/auth/email-trust.test.ts; this stack runs no mail worker), here the database.
  await db(stack.databaseUrl, (c) => c.query(`UPDATE users SET email_verified_at = now() WHERE email = $1`, [email]));
  const key = await db(stack.databaseUrl, (c) => createApiKey(c as never, MERCHANT, "e2e till"));
  const purchase = await page.request.post("/api/v1/purchases", {
    headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
    data: { member: { email }, amountCents: 120_000, currency: "EUR", orderId: `e2e-${randomBytes(4).toString("hex")}` },
  });
  expect(purchase.status(), await purchase.text()).toBeLessThan(300);
  const earned = BigInt(((await purchase.json()) as { points: string | number }).points);
  expect(earned).toBeGreaterThanOrEqual(1000n);
  await expect(async () => {
    await page.reload();
    expect(points(await page.getByTestId("member-balance").textContent())).toBe(earned);
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("member-tier")).not.toHaveText("Bronze");
  const tier = await page.getByTestId("member-tier").textContent();

  // 3. Redeem the bookshop voucher (300 points): signed on the server, relayed, no gas anywhere.
  await page.getByTestId("redeem-3").click();
  await page.getByTestId("redeem-confirm-3").click();
  await expect(page.getByTestId("reward-3").getByRole("status")).toContainText("À jour");
  await expect(page.getByTestId("member-balance")).toHaveText(fr(earned - 300n));
  await expect(page.locator('[data-testid="nft-3"]')).toHaveCount(1);
  expect(await ethBalance(stack.rpcUrl, custodial)).toBe(0n);
  expect(wallet.sent()).toBe(0);
  // The voucher QR for the shop: the VoucherUse signed on the server with the member's key.
  await page.getByTestId("nft-3").getByRole("button", { name: /QR/ }).click();
  const voucher = decodeVoucher(await page.getByTestId("voucher-payload").inputValue());
  expect(voucher).not.toBeNull();
  const signer = await recoverTypedDataAddress({
    domain: voucherDomain(voucher!.chainId, voucher!.contract),
    types: voucherUseTypes,
    primaryType: "VoucherUse",
    message: { tokenId: voucher!.tokenId, holder: voucher!.holder, merchant: voucher!.merchant, nonce: voucher!.nonce, deadline: voucher!.deadline },
    signature: voucher!.signature,
  });
  expect(signer).toBe(custodial);

  // 4. Move to my own wallet: connect, prove, points and tier, rewards; the session becomes the wallet's.
  expect(await ethBalance(stack.rpcUrl, wallet.address)).toBe(0n);
  await page.getByTestId("move-start").click();
  await page.getByTestId("move-to-wallet").getByRole("button", { name: "E2E Wallet" }).click();
  await expect(page.getByTestId("move-done")).toHaveText("Terminé : votre compte est maintenant dans votre portefeuille.", { timeout: 60_000 });
  expect(wallet.calls).toContain("personal_sign");
  await expect(async () => {
    await page.reload();
    const now = (await (await page.request.get("/api/me")).json()) as { session: { address: string; kind: string } };
    expect(now.session).toEqual({ address: wallet.address, kind: "wallet" });
    expect(points(await page.getByTestId("member-balance").textContent())).toBe(earned - 300n);
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("member-tier")).toHaveText(tier!);
  await expect(page.locator('[data-testid="nft-3"]')).toHaveCount(1);
  await expect(page.getByTestId("move-to-wallet")).toHaveCount(0);
  expect(await ethBalance(stack.rpcUrl, custodial)).toBe(0n);
  expect(await ethBalance(stack.rpcUrl, wallet.address)).toBe(0n);
  expect(wallet.sent()).toBe(0);
  const row = await db(stack.databaseUrl, async (c) => (await c.query(`SELECT address, custodial_address, key_ciphertext, self_custody FROM users WHERE email = $1`, [email])).rows[0]);
  expect(row).toMatchObject({ address: wallet.address.toLowerCase(), custodial_address: custodial.toLowerCase(), key_ciphertext: null, self_custody: true });

  // 5. The wallet member transfers without gas too (their wallet signs a forward request, the relayer sends it).
  const transfer = page.getByTestId("transfer-form");
  await transfer.getByLabel("Adresse du destinataire").fill(account(8).address);
  await transfer.getByLabel("Nombre de points").fill("5");
  await transfer.getByRole("button", { name: "Envoyer les points" }).click();
  await expect(transfer.getByRole("status")).toContainText("À jour");
  await expect(page.getByTestId("member-balance")).toHaveText(fr(earned - 305n));
  expect(wallet.sent()).toBe(0);
  expect(await ethBalance(stack.rpcUrl, wallet.address)).toBe(0n);

  // 6. Logging in by email now says to use the wallet.
  await page.getByRole("button", { name: "Se déconnecter" }).click();
  await expect(page.getByTestId("auth-links")).toBeVisible();
  await page.goto("/login");
  const login = page.getByTestId("login-form");
  await login.getByLabel("Adresse e-mail").fill(email);
  await login.getByLabel("Mot de passe").fill(PASSWORD);
  await login.getByRole("button", { name: "Me connecter" }).click();
  await expect(login.getByRole("alert")).toContainText("Ce compte est passé dans votre propre portefeuille");
});

test("privacy: choices with history, export of my data, deletion", async ({ page, stack }) => {
  expect(custodial, "the journey above ran first").toBeDefined();
  await page.goto("/member");
  await signIn(page);
  await page.getByTestId("privacy-link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confidentialité et mes données");
  const consent = page.getByTestId("consent-form");
  await expect(consent.getByLabel("Les nouvelles et offres du programme par e-mail")).toBeChecked();
  await consent.getByLabel("Les offres des commerces partenaires").check();
  await consent.getByRole("button", { name: "Enregistrer mes choix" }).click();
  await expect(consent.getByRole("status")).toHaveText("Vos choix sont enregistrés.");
  // Sign-up recorded the three answers (one accepted, two refused); then partners changed.
  await expect(page.getByTestId("consent-history").locator("tbody tr")).toHaveCount(4);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-link").click()]);
  expect(download.suggestedFilename()).toMatch(/^fidelite-export-.*\.json$/);
  const data = JSON.parse(readFileSync(await download.path(), "utf8")) as {
    profile: { email: string; custodialAddress: string; address: string };
    consents: { current: Record<string, boolean>; history: unknown[] };
    purchases: { amount_cents: string }[];
    onChain: { nfts: { reward_id: string; owner: string }[]; pointEvents: unknown[] };
  };
  expect(data.profile).toMatchObject({ email, custodialAddress: custodial, address: (await page.request.get("/api/me").then((r) => r.json())).session.address });
  expect(data.consents.current).toEqual({ marketing: true, partners: true, analytics: false });
  expect(data.consents.history).toHaveLength(4);
  expect(data.purchases.map((p) => p.amount_cents)).toEqual(["120000"]);
  expect(data.onChain.nfts.some((n) => n.reward_id === "3")).toBe(true);
  expect(data.onChain.pointEvents.length).toBeGreaterThanOrEqual(3);
  expect(JSON.stringify(data)).not.toMatch(/argon2|ciphertext/);

  await page.getByTestId("delete-form").getByRole("button", { name: "Supprimer mon compte" }).click();
  await expect(page.getByTestId("deleted")).toHaveText("Votre compte est supprimé.");
  const row = await db(stack.databaseUrl, async (c) => (await c.query(`SELECT email, password_hash, deleted_at FROM users WHERE custodial_address = $1`, [custodial.toLowerCase()])).rows[0]);
  expect(row.email).toBeNull();
  expect(row.password_hash).toBeNull();
  expect(row.deleted_at).not.toBeNull();
});

test("an email member who still holds points must confirm the loss to delete; the key is erased", async ({ page, stack, request }) => {
  const who = `leaver-${randomBytes(4).toString("hex")}@example.com`;
  const res = await request.post("/api/auth/signup", { data: { email: who, password: PASSWORD }, headers: { "content-type": "application/json", origin: stack.webUrl } });
  expect(res.status()).toBe(201);
  const address = ((await res.json()) as { address: string }).address;
  await rememberKey(stack, address);
  const key = await db(stack.databaseUrl, (c) => createApiKey(c as never, MERCHANT, "e2e till 2"));
  const purchase = await request.post("/api/v1/purchases", { headers: { authorization: `Bearer ${key.key}` }, data: { member: { address }, amountCents: 4_200, currency: "EUR", orderId: `e2e-${randomBytes(4).toString("hex")}` } });
  expect(purchase.status()).toBeLessThan(300);
  const [name, value] = res.headers()["set-cookie"]!.split(";")[0]!.split("=") as [string, string];
  // Another member's session, edited to name this member: refused, nothing moves.
  const other = await request.post("/api/auth/signup", { data: { email: `other-${randomBytes(4).toString("hex")}@example.com`, password: PASSWORD }, headers: { "content-type": "application/json", origin: stack.webUrl } });
  const otherCookie = other.headers()["set-cookie"]!.split(";")[0]!.slice(`${name}=`.length);
  const otherAddress = ((await other.json()) as { address: string }).address;
  const [payload, mac] = otherCookie.split(".");
  const forged = `${Buffer.from(Buffer.from(payload!, "base64url").toString().replace(otherAddress, address)).toString("base64url")}.${mac}`;
  const forgedTry = await request.post("/api/member/transfer", { data: { to: account(8).address, amount: "1" }, headers: { "content-type": "application/json", origin: stack.webUrl, cookie: `${name}=${forged}` } });
  expect(forgedTry.status()).toBe(401);
  const crossSite = await request.post("/api/member/transfer", { data: { to: account(8).address, amount: "1" }, headers: { "content-type": "application/json", origin: "http://evil.example", cookie: `${name}=${value}` } });
  expect(crossSite.status()).toBe(403);
  await page.context().addCookies([{ name, value, url: stack.webUrl }]);
  await page.goto("/member/privacy");
  const del = page.getByTestId("delete-form");
  await del.getByLabel("Votre mot de passe, pour confirmer").fill("pas le bon mot de passe");
  await del.getByRole("button", { name: "Supprimer mon compte" }).click();
  await expect(del.locator(".field-error")).toHaveText("E-mail ou mot de passe incorrect.");
  await del.getByLabel("Votre mot de passe, pour confirmer").fill(PASSWORD);
  await del.getByRole("button", { name: "Supprimer mon compte" }).click();
  await expect(page.getByTestId("delete-holds")).toContainText("42 points"); // nothing left it: not the forged nor the cross-site transfer
  await expect(del.getByRole("button", { name: "Supprimer mon compte" })).toBeDisabled();
  await del.getByLabel("Je comprends que ces points et récompenses seront perdus définitivement").check();
  await del.getByRole("button", { name: "Supprimer mon compte" }).click();
  await expect(page.getByTestId("deleted")).toBeVisible();
  const row = await db(stack.databaseUrl, async (c) => (await c.query(`SELECT email, key_ciphertext, session_version FROM users WHERE address = $1`, [address.toLowerCase()])).rows[0]);
  expect(row).toMatchObject({ email: null, key_ciphertext: null });
  // The old cookie no longer acts.
  const again = await request.post("/api/member/transfer", { data: { to: account(8).address, amount: "1" }, headers: { "content-type": "application/json", origin: stack.webUrl, cookie: `${name}=${value}` } });
  expect(again.status()).toBe(401);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe("account_deleted");
});

test("the stack's logs hold no key: not the KEK, not the relayer's, not any custodial key", async ({ stack }) => {
  expect(seenKeys.length).toBeGreaterThanOrEqual(2);
  // The detector finds a key when one is there…
  const probe = path.join(stack.logDir!, "probe.log");
  writeFileSync(probe, `oops ${stack.kek} ${seenKeys[0]}\n`);
  try {
    expect((await findLeakedSecrets(stack, seenKeys)).leaked).toEqual(["KEY_ENCRYPTION_KEY", "erased custodial key #0"]);
  } finally {
    rmSync(probe);
  }
  // …and the real logs hold none (the teardown checks the whole run again).
  expect(readdirSync(stack.logDir!).map((f) => readFileSync(path.join(stack.logDir!, f), "utf8")).join("").length).toBeGreaterThan(1000);
  const r = await findLeakedSecrets(stack, seenKeys);
  expect(r.leaked).toEqual([]);
  expect(r.checked).toBeGreaterThanOrEqual(3 + 2 * seenKeys.length);
});
