/**
 * A self-custody member: connects an injected wallet (EIP-6963), signs in (SIWE), sees balance and
 * tier, redeems a reward and sees the NFT, transfers points, switches language; every form refuses
 * bad input without sending anything.
 */
import { expect, points, screenshots, seriousViolations, signIn, test } from "./fixtures.ts";
import { account } from "./wallet.ts";

test.describe.configure({ mode: "serial" });

const RECIPIENT = account(8).address;

test("connect, sign in, see balance and tier, redeem a reward and see its NFT, transfer points", async ({ page, wallet }) => {
  await page.goto("/member");
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
  // Before approval the wallet lists no account: nobody is connected behind the member's back.
  await expect(page.getByRole("button", { name: "Connecter un portefeuille" })).toBeVisible();
  expect(wallet.calls).not.toContain("eth_requestAccounts");
  await signIn(page);
  expect(wallet.calls).toContain("personal_sign");

  const balance = points(await page.getByTestId("member-balance").textContent());
  expect(balance).toBeGreaterThan(1000n);
  await expect(page.getByTestId("header-balance")).toHaveText(/\d/);
  expect(points(await page.getByTestId("header-balance").textContent())).toBe(balance);
  await expect(page.getByTestId("member-tier")).toHaveText("Or");
  await expect(page.getByTestId("header-tier")).toHaveText("Or");
  await expect(page.getByTestId("tier-progress")).toBeVisible();
  await expect(page.getByTestId("history").locator("tbody tr").first()).toBeVisible();

  // Redeem the bookshop voucher (300 points): pending → confirmed → indexed, no reload.
  const nftsBefore = await page.locator('[data-testid="nft-3"]').count();
  await page.getByTestId("redeem-3").click();
  await page.getByTestId("redeem-confirm-3").click();
  const status = page.getByTestId("reward-3").getByRole("status");
  await expect(status.locator('[data-step="indexed"], :scope[data-step="indexed"]').or(status.filter({ hasText: "À jour" }))).toBeVisible();
  await expect(page.getByTestId("member-balance")).toHaveText(new Intl.NumberFormat("fr-FR").format(balance - 300n));
  await expect(page.getByTestId("header-balance")).toHaveText(new Intl.NumberFormat("fr-FR").format(balance - 300n));
  await expect(page.locator('[data-testid="nft-3"]')).toHaveCount(nftsBefore + 1);
  await expect(page.getByTestId("history").locator("tbody tr").first()).toContainText("Bon de 5 € en librairie");

  // Transfer 25 points to another member.
  const form = page.getByTestId("transfer-form");
  await form.getByLabel("Adresse du destinataire").fill(RECIPIENT);
  await form.getByLabel("Nombre de points").fill("25");
  await form.getByRole("button", { name: "Envoyer les points" }).click();
  await expect(form.getByRole("status")).toContainText("À jour");
  await expect(page.getByTestId("member-balance")).toHaveText(new Intl.NumberFormat("fr-FR").format(balance - 325n));
  await expect(page.getByTestId("history").locator("tbody tr").first()).toContainText("Envoyés à");

  // The transaction view works without an explorer.
  await page.getByTestId("history").locator("tbody tr").first().getByRole("link", { name: /Détails/ }).click();
  await expect(page.getByTestId("tx-status")).toHaveText("Réussie");
  await expect(page.getByText("LoyaltyPoints.Transfer")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "tx")).toEqual([]);
});

test("bad input in the member forms shows a clear message and sends nothing", async ({ page, wallet }) => {
  await page.goto("/member");
  await signIn(page);
  const sentBefore = wallet.sent();
  const form = page.getByTestId("transfer-form");
  const to = form.getByLabel("Adresse du destinataire");
  const amount = form.getByLabel("Nombre de points");
  const submit = form.getByRole("button", { name: "Envoyer les points" });
  const cases: [string, string, RegExp][] = [
    ["0x1234", "10", /Adresse invalide/],
    ["pas une adresse", "10", /Adresse invalide/],
    ["0x23618E81E3f5cdF7f54C3d65f7FBc0aBf5B21E8F", "10", /faute de frappe/],
    [RECIPIENT, "999999999", /plus que votre solde/],
    [RECIPIENT, "0", /supérieur à zéro/],
    [RECIPIENT, "-5", /négatif/],
    [RECIPIENT, "abc", /uniquement des chiffres/],
    [RECIPIENT, "12.5", /pas de décimales/],
    [RECIPIENT, "12,5", /pas de décimales/],
    [RECIPIENT, "", /Saisissez un nombre/],
  ];
  for (const [address, value, message] of cases) {
    await to.fill(address);
    await amount.fill(value);
    await submit.click();
    await expect(form.locator(".field-error").first()).toHaveText(message);
  }
  await expect(amount).toHaveAttribute("aria-invalid", "true");

  const donate = page.getByTestId("donate-form");
  for (const [value, message] of [["0", /supérieur à zéro/], ["-1", /négatif/], ["1.5", /pas de décimales/], ["dix", /uniquement des chiffres/], ["99999999999", /plus que votre solde/]] as const) {
    await donate.getByLabel("Nombre de points").fill(value);
    await donate.getByRole("button", { name: "Donner les points" }).click();
    await expect(donate.locator(".field-error")).toHaveText(message);
  }
  expect(wallet.sent()).toBe(sentBefore);
  expect(wallet.calls).not.toContain("eth_sendTransaction");
});

test("a reward the member cannot redeem says why, before anything is sent", async ({ page }) => {
  await page.goto("/member");
  await signIn(page);
  // Galette: Platinum only, and not yet valid; the member is Gold.
  await expect(page.getByTestId("redeem-blocked-7")).toBeVisible();
  await expect(page.getByTestId("redeem-blocked-7")).not.toBeEmpty();
});

test("language: switch to English and back, remembered across pages", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Des points de fidélité partagés par vos commerces de quartier");
  await page.getByTestId("lang-en").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Loyalty points shared by your local shops");
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
  await page.goto("/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit");
  await expect(page.getByRole("heading", { name: "Every account" })).toBeVisible();
  await page.reload();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("en");
  await page.getByTestId("lang-fr").click();
  await expect(page.getByRole("heading", { name: "Tous les comptes" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
});

test("every member page at desktop and phone width, without serious accessibility violations", async ({ page }) => {
  await page.goto("/");
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "home")).toEqual([]);
  await page.goto("/member");
  expect(await screenshots(page, "member-signed-out")).toEqual([]);
  await signIn(page);
  await page.goto("/member");
  await expect(page.getByTestId("member-balance")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "member")).toEqual([]);
});
