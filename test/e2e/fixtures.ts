import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { readStack, ROOT, type StackInfo } from "./stack.ts";
import { installWallet, type TestWallet } from "./wallet.ts";

export const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");

type Fixtures = { stack: StackInfo; wallet: TestWallet; walletIndex: number };

export const test = base.extend<Fixtures>({
  stack: async ({}, use) => use(readStack()),
  baseURL: async ({}, use) => use(readStack().webUrl),
  walletIndex: [7, { option: true }],
  // Installed in every page of every test, used or not (a browser with a wallet extension).
  wallet: [async ({ context, stack, walletIndex }, use) => use(await installWallet(context, { rpcUrl: stack.rpcUrl, accountIndex: walletIndex })), { auto: true }],
});
export { expect };

/** Connect the injected wallet (EIP-6963) and sign in (SIWE), from any page. */
export async function signIn(page: Page) {
  await page.getByRole("button", { name: /Connecter un portefeuille|Connect a wallet/ }).click();
  await page.getByRole("button", { name: "E2E Wallet" }).click();
  await expect(page.getByTestId("header-balance")).toBeVisible();
}

/** Desktop and phone screenshots of the current page, for a person to look at. */
export async function screenshots(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  const phoneAxe = await seriousViolations(page);
  if (size) await page.setViewportSize(size);
  return phoneAxe;
}

/** axe-core: WCAG 2.1 A/AA rules; the serious and critical violations. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
}

export const points = (text: string | null) => BigInt((text ?? "").replace(/[^\d]/g, ""));
