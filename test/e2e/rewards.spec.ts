/**
 * Merchants and members together, each with their own wallet in their own browser context:
 * a merchant pauses a reward (the member sees it unavailable, with the reason) and resumes it
 * (available again); a merchant mints an exclusive reward to a member (who then sees the NFT);
 * a member donates to the charity (balance and history update without a reload).
 */
import type { Browser, Page } from "@playwright/test";
import { expect, points, screenshots, seriousViolations, signIn, test } from "./fixtures.ts";
import type { StackInfo } from "./stack.ts";
import { account, installWallet } from "./wallet.ts";

test.describe.configure({ mode: "serial" });

const BOULANGERIE = 2; // merchant of reward 1, "Croissant offert" (150 points, any tier)
const CAFE = 4; // merchant of reward 6, "Badge Habitué" (mint-only, soulbound)
const fr = (n: bigint) => new Intl.NumberFormat("fr-FR").format(n);

/** A browser of its own for one wallet (account index), signed in on `path`. */
async function signedIn(browser: Browser, stack: StackInfo, index: number, path: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.webUrl });
  await installWallet(context, { rpcUrl: stack.rpcUrl, accountIndex: index });
  const page = await context.newPage();
  await page.goto(path);
  await signIn(page);
  return page;
}

test("a merchant pauses a reward: the member sees it unavailable and why; resumed, it is available again", async ({ browser, stack }) => {
  const member = await signedIn(browser, stack, 11, "/member");
  const shop = await signedIn(browser, stack, BOULANGERIE, "/merchant");
  try {
    const card = member.getByTestId("reward-1");
    await expect(card.getByTestId("redeem-1")).toBeVisible();
    await expect(card.getByTestId("redeem-blocked-1")).toHaveCount(0);

    // Pause.
    const row = shop.getByTestId("merchant-rewards").getByRole("row").filter({ hasText: "Croissant offert" });
    await expect(row).toContainText("Active");
    await row.getByRole("button", { name: "Mettre en pause Croissant offert" }).click();
    await expect(row.getByRole("status")).toContainText("À jour");
    await expect(row).toContainText("En pause");
    await expect(row.getByRole("button", { name: "Réactiver Croissant offert" })).toBeVisible();

    await member.reload();
    await expect(card.getByTestId("redeem-blocked-1")).toHaveText(/mise en pause par la boutique/);
    await expect(card.getByTestId("redeem-1")).toHaveCount(0);
    await expect(card).toContainText("En pause");
    expect(await seriousViolations(member)).toEqual([]);

    // Resume.
    await row.getByRole("button", { name: "Réactiver Croissant offert" }).click();
    await expect(row.getByRole("status")).toContainText("À jour");
    await expect(row).toContainText("Active");
    await expect(row.getByRole("button", { name: "Mettre en pause Croissant offert" })).toBeVisible();

    await member.reload();
    await expect(card.getByTestId("redeem-1")).toBeVisible();
    await expect(card.getByTestId("redeem-blocked-1")).toHaveCount(0);
    await expect(card).not.toContainText("En pause");
  } finally {
    await member.context().close();
    await shop.context().close();
  }
});

test("a merchant mints an exclusive reward to a member, who then sees the NFT", async ({ browser, stack }) => {
  const MEMBER = 12;
  const member = await signedIn(browser, stack, MEMBER, "/member");
  const shop = await signedIn(browser, stack, CAFE, "/merchant");
  try {
    await expect(member.getByTestId("member-balance")).toBeVisible();
    const before = await member.getByTestId("nft-6").count();

    const mint = shop.getByTestId("mint-form");
    await mint.getByLabel("Récompense").selectOption({ label: "Badge Habitué" });
    await mint.getByLabel("Adresse du membre").fill(account(MEMBER).address);
    await mint.getByRole("button", { name: "Offrir la récompense" }).click();
    await expect(mint.getByRole("status")).toContainText("À jour");
    await expect(mint.getByLabel("Adresse du membre")).toHaveValue("");
    // The merchant's table counts it.
    await expect(shop.getByTestId("merchant-rewards").getByRole("row").filter({ hasText: "Badge Habitué" })).toBeVisible();

    await member.reload();
    await expect(member.getByTestId("nft-6")).toHaveCount(before + 1);
    await expect(member.getByTestId("nft-6").first()).toContainText("Badge Habitué");
    expect(await screenshots(member, "member-exclusive-nft")).toEqual([]);
  } finally {
    await member.context().close();
    await shop.context().close();
  }
});

test.describe("a member", () => {
  test.use({ walletIndex: 13 });

  test("donates to the charity: balance and history update without a reload", async ({ page }) => {
    await page.goto("/member");
    await signIn(page);
    const balance = points(await page.getByTestId("member-balance").textContent());
    expect(balance).toBeGreaterThan(10n);
    // Any full reload would lose this marker.
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    const donate = page.getByTestId("donate-form");
    await expect(donate.getByLabel("Association")).toHaveValue(new RegExp(`^${account(5).address}$`, "i"));
    await expect(donate.getByLabel("Association").locator("option:checked")).toHaveText("Les Petits Déjeuners Solidaires");
    await donate.getByLabel("Nombre de points").fill("10");
    await donate.getByRole("button", { name: "Donner les points" }).click();
    await expect(donate.getByRole("status")).toContainText("À jour");
    await expect(donate.getByLabel("Nombre de points")).toHaveValue("");

    await expect(page.getByTestId("member-balance")).toHaveText(fr(balance - 10n));
    await expect(page.getByTestId("header-balance")).toHaveText(fr(balance - 10n));
    const first = page.getByTestId("history").locator("tbody tr").first();
    await expect(first).toHaveAttribute("data-kind", "donation");
    await expect(first).toContainText("Don à Les Petits Déjeuners Solidaires");
    await expect(first).toContainText("10");
    await expect(donate).toContainText(fr(balance - 10n)); // the amount hint follows the balance
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // The transaction view shows the donation.
    await first.getByRole("link", { name: /Détails/ }).click();
    await expect(page.getByTestId("tx-status")).toHaveText("Réussie");
    await expect(page.getByText("LoyaltyPoints.PointsDonated")).toBeVisible();
  });
});
