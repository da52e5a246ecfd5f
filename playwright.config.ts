/**
 * Browser tests of the dApp (test/e2e) in Debian's Chromium against the real stack, which
 * test/e2e/global-setup.ts starts (Hardhat node, deploy, seed, Postgres, indexer, `next start`).
 * Run with `npm run test:e2e`. Screenshots land in test-results/screenshots (git-ignored).
 */
import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  throw new Error(`no Chromium at ${chromium}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`);
}

export default defineConfig({
  testDir: "test/e2e",
  testMatch: /.*\.spec\.ts$/,
  outputDir: "test-results/e2e",
  globalSetup: "./test/e2e/global-setup.ts",
  globalTeardown: "./test/e2e/global-teardown.ts",
  // One chain, one mirror: the scenarios run in order, one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    locale: "fr-FR",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
});
