/**
 * A merchant (role checked on chain by the server): issues points for a purchase, creates a reward,
 * accepts a member's voucher from its QR payload; bad input in every merchant form sends nothing.
 */
import { expect, points, screenshots, seriousViolations, signIn, test } from "./fixtures.ts";
import { account } from "./wallet.ts";

test.describe.configure({ mode: "serial" });

const MERCHANT = 2; // Boulangerie Dupont
const MEMBER = account(9).address;
const fr = (n: bigint) => new Intl.NumberFormat("fr-FR").format(n);

test.describe("as a merchant", () => {
  test.use({ walletIndex: MERCHANT });

  test("issue points for a purchase, and create a reward", async ({ page }) => {
    await page.goto("/merchant");
    await signIn(page);
    await expect(page.getByTestId("merchant-name")).toHaveText("Boulangerie Dupont");

    const issue = page.getByTestId("issue-form");
    await issue.getByLabel("Adresse du membre").fill(MEMBER);
    await issue.getByLabel("Points", { exact: true }).fill("42");
    await issue.getByLabel("Numéro de commande").fill(`E2E-${Date.now()}`);
    await issue.getByRole("button", { name: "Émettre les points" }).click();
    await expect(issue.getByRole("status")).toContainText("À jour");
    const link = issue.getByRole("link", { name: "Voir la transaction" });
    const href = await link.getAttribute("href");
    await page.goto(href!);
    await expect(page.getByTestId("tx-status")).toHaveText("Réussie");
    await expect(page.getByText("LoyaltyPoints.PointsIssued")).toBeVisible();
    await expect(page.getByText("42", { exact: true }).first()).toBeVisible();

    await page.goto("/merchant");
    const create = page.getByTestId("create-reward-form");
    const name = `Pain au chocolat offert ${Date.now() % 100000}`;
    await create.getByLabel("Nom", { exact: true }).fill(name);
    await create.getByLabel("Description").fill("Un pain au chocolat offert, en boutique.");
    await create.getByLabel("Coût en points").fill("120");
    await create.getByLabel("Nombre maximal à attribuer").fill("50");
    await create.getByRole("button", { name: "Créer la récompense" }).click();
    await expect(create.getByRole("status")).toContainText("À jour");
    await expect(page.getByTestId("merchant-rewards")).toContainText(name);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await screenshots(page, "merchant")).toEqual([]);
  });

  test("bad input in the merchant forms shows a clear message and sends nothing", async ({ page, wallet }) => {
    await page.goto("/merchant");
    await signIn(page);
    const sent = wallet.sent();
    const issue = page.getByTestId("issue-form");
    const cases: [string, string, string, RegExp][] = [
      ["0xabc", "10", "A1", /Adresse invalide/],
      [MEMBER, "-3", "A1", /négatif/],
      [MEMBER, "0", "A1", /supérieur à zéro/],
      [MEMBER, "1.5", "A1", /pas de décimales/],
      [MEMBER, "beaucoup", "A1", /uniquement des chiffres/],
      [MEMBER, "99999999999", "A1", /quota d'émission/],
      [MEMBER, "10", "", /obligatoire/],
    ];
    for (const [address, amount, order, message] of cases) {
      await issue.getByLabel("Adresse du membre").fill(address);
      await issue.getByLabel("Points", { exact: true }).fill(amount);
      await issue.getByLabel("Numéro de commande").fill(order);
      await issue.getByRole("button", { name: "Émettre les points" }).click();
      await expect(issue.locator(".field-error").first()).toHaveText(message);
    }
    await issue.getByLabel("Adresse du membre").fill(account(MERCHANT).address);
    await issue.getByLabel("Points", { exact: true }).fill("10");
    await issue.getByRole("button", { name: "Émettre les points" }).click();
    await expect(issue.locator(".field-error").first()).toHaveText(/s'émettre des points/);

    const create = page.getByTestId("create-reward-form");
    await create.getByRole("button", { name: "Créer la récompense" }).click();
    await expect(create.locator(".field-error").first()).toHaveText(/obligatoire/);
    await create.getByLabel("Nom", { exact: true }).fill("Test");
    await create.getByLabel("Description").fill("Test");
    for (const [cost, cap, message] of [["-1", "5", /négatif/], ["2.5", "5", /pas de décimales/], ["x", "5", /uniquement des chiffres/], ["10", "0", /supérieur à zéro|entre 1/]] as const) {
      await create.getByLabel("Coût en points").fill(cost);
      await create.getByLabel("Nombre maximal à attribuer").fill(cap);
      await create.getByRole("button", { name: "Créer la récompense" }).click();
      await expect(create.locator(".field-error").first()).toHaveText(message);
    }

    const mint = page.getByTestId("mint-form");
    await mint.getByLabel("Adresse du membre").fill("0x12");
    await mint.getByRole("button", { name: "Offrir la récompense" }).click();
    await expect(mint.locator(".field-error")).toHaveText(/Adresse invalide/);

    const accept = page.getByTestId("accept-form");
    await accept.getByLabel("Code du bon").fill('{"hello": "world"}');
    await accept.getByRole("button", { name: "Accepter le bon" }).click();
    await expect(accept.locator(".field-error")).toHaveText(/pas un code de bon/);
    expect(wallet.sent()).toBe(sent);
  });
});

test.describe("a member who is not a merchant", () => {
  test.use({ walletIndex: 10 });
  test("is refused by the server, which asks the chain", async ({ page }) => {
    await page.goto("/merchant");
    await signIn(page);
    await expect(page.getByTestId("not-merchant")).toBeVisible();
  });
});

test.describe("a voucher from member to shop", () => {
  test("the member signs the QR payload, the shop accepts it once", async ({ browser, stack }) => {
    const { installWallet } = await import("./wallet.ts");
    // Member 6 holds rewards from the seed: take one not used yet, and its shop.
    const memberContext = await browser.newContext({ baseURL: stack.webUrl });
    await installWallet(memberContext, { rpcUrl: stack.rpcUrl, accountIndex: 6 });
    const member = await memberContext.newPage();
    await member.goto("/member");
    await signIn(member);
    const unused = member.locator('[data-testid^="nft-"]').filter({ has: member.getByRole("button", { name: /QR code/ }) }).first();
    const rewardId = Number((await unused.getAttribute("data-testid"))!.slice(4));
    const card = member.locator(`[data-token="${await unused.getAttribute("data-token")}"]`);
    const shopIndex = rewardId <= 2 || rewardId === 7 ? 2 : rewardId <= 4 ? 3 : 4;
    await card.getByRole("button", { name: /QR code/ }).click();
    await expect(card.getByRole("img", { name: /QR code du bon/ })).toBeVisible();
    await card.getByText("Texte du bon (à coller)").first().click();
    const payload = await card.getByTestId("voucher-payload").inputValue();
    expect(JSON.parse(payload).t).toBe("fidelite-voucher");
    await screenshots(member, "member-voucher");

    const shopContext = await browser.newContext({ baseURL: stack.webUrl });
    await installWallet(shopContext, { rpcUrl: stack.rpcUrl, accountIndex: shopIndex });
    const shop = await shopContext.newPage();
    await shop.goto("/merchant");
    await signIn(shop);
    const accept = shop.getByTestId("accept-form");
    await accept.getByLabel("Code du bon").fill(payload);
    await accept.getByRole("button", { name: "Accepter le bon" }).click();
    await expect(accept.getByRole("status")).toContainText("À jour");
    await expect(accept.getByLabel("Code du bon")).toHaveValue("");
    // The same payload again: refused (already used).
    await accept.getByLabel("Code du bon").fill(payload);
    await accept.getByRole("button", { name: "Accepter le bon" }).click();
    await expect(accept.getByRole("status")).toContainText(/déjà/);
    await memberContext.close();
    await shopContext.close();
    void points;
    void fr;
  });
});
