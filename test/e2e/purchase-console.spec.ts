/**
 * The merchant console's purchase-API part: an API key shown once that works, then revoked; earning
 * rules and a campaign that members then see on the home page; the relayer's authorization as
 * issuing agent withdrawn and given back from the merchant's wallet.
 */
import { expect, seriousViolations, signIn, test } from "./fixtures.ts";
import { account } from "./wallet.ts";

test.describe.configure({ mode: "serial" });

const MERCHANT = 3; // Librairie Voltaire

test.describe("purchase API console", () => {
  test.use({ walletIndex: MERCHANT });

  test("an API key is shown once, issues points, and stops working once revoked", async ({ page, baseURL }) => {
    await page.goto("/merchant");
    await signIn(page);
    const form = page.getByTestId("api-key-form");
    await form.getByLabel("Nom de la clé").fill("Caisse e2e");
    await form.getByRole("button", { name: "Créer une clé" }).click();
    const key = (await page.getByTestId("api-key-value").textContent())!.trim();
    expect(key).toMatch(/^fid_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByTestId("api-keys")).toContainText("Caisse e2e");
    expect(await seriousViolations(page)).toEqual([]);

    const purchase = (orderId: string) =>
      page.request.post(`${baseURL}/api/v1/purchases`, {
        headers: { authorization: `Bearer ${key}` },
        data: { member: { address: account(11).address }, amountCents: 2_500, currency: "EUR", orderId },
      });
    const ok = await purchase(`console-${Date.now()}`);
    expect(ok.status()).toBe(201);
    expect((await ok.json()).points).toBe("25");

    await page.getByRole("button", { name: "Révoquer la clé Caisse e2e" }).click();
    await expect(page.getByTestId("api-keys")).toContainText("révoquée");
    const refused = await purchase(`console-${Date.now()}`);
    expect(refused.status()).toBe(401);
    expect((await refused.json()).error.code).toBe("invalid_api_key");
    // The page never shows the key again.
    await page.reload();
    await expect(page.getByText(key)).toHaveCount(0);
  });

  test("earning rules and a campaign reach the home page; the campaign can be cancelled", async ({ page }) => {
    await page.goto("/merchant");
    await signIn(page);
    const rules = page.getByTestId("rules-form");
    await rules.getByLabel("Points par euro").fill("3");
    await rules.getByLabel("Cashback (%)").fill("2,5");
    await rules.getByRole("button", { name: "Enregistrer les règles" }).click();
    await expect(rules.getByRole("status")).toContainText("Règles enregistrées");
    // Bad input is caught before sending.
    await rules.getByLabel("Cashback (%)").fill("150");
    await rules.getByRole("button", { name: "Enregistrer les règles" }).click();
    await expect(rules.getByText(/pourcentage entre 0 et 100/)).toBeVisible();

    const campaign = page.getByTestId("campaign-form");
    const name = `Double e2e ${Date.now() % 100000}`;
    await campaign.getByLabel("Nom").fill(name);
    await campaign.getByLabel("Multiplicateur").fill("2");
    await campaign.getByRole("button", { name: "Créer l’opération" }).click();
    await expect(page.getByTestId("campaigns")).toContainText(name);
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto("/");
    const row = page.getByTestId("earning-rules").getByRole("row", { name: /Librairie Voltaire/ });
    await expect(row).toContainText("3");
    await expect(row).toContainText("2.5%");
    await expect(page.getByTestId("home-campaigns")).toContainText(name);
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto("/merchant"); // still signed in (the session cookie)
    await page.getByRole("button", { name: `Annuler l’opération ${name}` }).click();
    await expect(page.getByTestId("campaigns")).toHaveCount(0);
    await page.goto("/");
    await expect(page.getByText(name)).toHaveCount(0);
  });

  test("the merchant withdraws the relayer's authorization, and gives it back", async ({ page }) => {
    await page.goto("/merchant");
    await signIn(page);
    const agent = page.getByTestId("relayer-agent");
    await expect(agent).toContainText("peut émettre");
    await agent.getByRole("button", { name: "Retirer l’autorisation" }).click();
    await expect(agent).toContainText("n’est pas autorisé", { timeout: 60_000 });
    await agent.getByRole("button", { name: "Autoriser la plateforme" }).click();
    await expect(agent).toContainText("peut émettre", { timeout: 60_000 });
  });
});
