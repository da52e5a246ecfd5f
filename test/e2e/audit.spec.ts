/**
 * The public auditor page: zero mismatches on a healthy mirror; after one mirror row is corrupted
 * in the database, exactly that account is flagged. The full report (scripts/audit's, prepared on
 * demand) downloads, lists exactly that account, and carries the same files as the CLI's --out.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Page } from "@playwright/test";
import pg from "pg";
import { expect, screenshots, seriousViolations, test } from "./fixtures.ts";
import { ROOT, type StackInfo } from "./stack.ts";
import { account } from "./wallet.ts";

type Files = Record<"report.json" | "accounts.csv" | "discrepancies.csv", string>;

/** Prepares the full report on the page (compared with the mirror) and downloads its three files. */
async function downloadReport(page: Page): Promise<Files> {
  const box = page.getByTestId("audit-report");
  await expect(box.getByRole("checkbox")).toBeChecked();
  await box.getByRole("button", { name: /préparer/i }).click();
  await expect(page.getByTestId("audit-report-status")).toHaveAttribute("data-step", "ready", { timeout: 60_000 });
  const files = {} as Files;
  for (const name of ["report.json", "accounts.csv", "discrepancies.csv"] as const) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`audit-report-${name}`).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-31337-block-\\d+-mirror-${name.replace(".", "\\.")}$`));
    files[name] = readFileSync((await download.path())!, "utf8");
  }
  return files;
}

/** `npm run audit -- --database-url … --out <dir>` on the same stack: its files. */
async function cliReport(stack: StackInfo): Promise<{ code: number; files: Files }> {
  const out = mkdtempSync(path.join(tmpdir(), "e2e-audit-"));
  try {
    const args = [path.join(ROOT, "scripts/audit/audit.ts"), "--rpc", stack.rpcUrl, "--deployment", stack.deploymentFile, "--database-url", stack.databaseUrl, "--out", out];
    const code = await promisify(execFile)(path.join(ROOT, "node_modules/.bin/tsx"), args, { cwd: ROOT }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? -1,
    );
    const read = (f: string) => readFileSync(path.join(out, f), "utf8");
    return { code, files: { "report.json": read("report.json"), "accounts.csv": read("accounts.csv"), "discrepancies.csv": read("discrepancies.csv") } };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The report without what differs from run to run (when, how long, how many requests). */
const stable = (json: string) => {
  const { generatedAt: _g, timings: _t, ...rest } = JSON.parse(json);
  return rest;
};

test.describe.configure({ mode: "serial" });

test("the auditor sees zero mismatches, then exactly the corrupted account", async ({ page, stack }) => {
  await page.goto("/audit");
  await expect(page.getByTestId("mismatch-count")).toHaveText("0");
  await expect(page.getByTestId("mirror-total")).toHaveText((await page.getByTestId("total-supply").textContent())!);
  await expect(page.locator("tr.mismatch")).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "audit")).toEqual([]);

  // The full report, compared with the mirror: clean, stamped, the CLI's formats.
  const clean = await downloadReport(page);
  const cleanReport = JSON.parse(clean["report.json"]);
  expect(cleanReport.tool).toBe("fidelite-audit");
  expect(cleanReport.ok).toBe(true);
  expect(cleanReport.discrepancies).toEqual([]);
  expect(cleanReport.mirror).not.toBeNull();
  expect(clean["accounts.csv"].split("\n")[0]).toBe("address,balance,lifetime_earned,tier,chain_balance,chain_lifetime_earned,chain_tier,matches");
  expect(clean["discrepancies.csv"]).toBe("check,account,expected,found,message,events\n");
  await expect(page.getByTestId("audit-report-verdict")).toContainText(`Bloc ${cleanReport.block.number}`);
  await expect(page.getByTestId("audit-report-stamp")).toHaveText(new RegExp(`root=${cleanReport.merkle.root} .*result=OK$`));
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "audit-report")).toEqual([]);
  const csv = await page.request.get("/api/audit/report?mirror=1&file=accounts.csv");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toBe(clean["accounts.csv"]);

  // Corrupt one mirror row (a member no scenario touches).
  const victim = account(20).address.toLowerCase();
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    await db.query("UPDATE accounts SET balance = balance + 7 WHERE address = $1", [victim]);
    await page.reload();
    await expect(page.getByTestId("mismatch-count")).toHaveText("1");
    await expect(page.getByTestId("mismatch-row")).toHaveCount(1);
    await expect(page.getByTestId("mismatch-row")).toHaveAttribute("data-address", victim);
    await expect(page.getByTestId("audit-verdict")).toContainText("1");
    // Σ mirror balances no longer equals totalSupply either.
    await expect(page.locator("tr.mismatch", { hasText: "Σ" })).toHaveCount(1);
    await screenshots(page, "audit-mismatch");
    // The full report, prepared again: exactly that account, stamped with block, hash and Merkle root.
    await page.getByTestId("audit-report").getByRole("checkbox").check();
    const files = await downloadReport(page);
    const report = JSON.parse(files["report.json"]);
    expect(report.ok).toBe(false);
    expect([...new Set(report.discrepancies.map((d: { account: string }) => d.account))]).toEqual([victim]);
    expect(report.discrepancies.map((d: { check: string }) => d.check)).toContain("mirror.accounts.balance");
    expect(report.chainId).toBe(31337);
    expect(report.block.hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.contracts.map((c: { codeHash: string }) => c.codeHash)).toEqual(expect.arrayContaining([expect.stringMatching(/^0x[0-9a-f]{64}$/)]));
    // The chain did not change: the same books, the same root as before the corruption.
    expect(report.merkle.root).toMatch(/^0x[0-9a-f]{64}$/);
    expect(report.merkle.root).toBe(cleanReport.merkle.root);
    expect(files["discrepancies.csv"].trim().split("\n").slice(1).map((l) => l.split(",")[1])).toEqual([victim]);
    await expect(page.getByTestId("audit-report-verdict")).toHaveClass(/warning/);
    await expect(page.getByTestId("audit-report-stamp")).toHaveText(`audit chain=31337 block=${report.block.number} hash=${report.block.hash} root=${report.merkle.root} leaves=${report.merkle.leaves} result=FAIL discrepancies=${report.discrepancies.length}`);

    // The very files the auditor's CLI writes, on the same chain and mirror.
    const cli = await cliReport(stack);
    expect(cli.code).toBe(1);
    expect(files["accounts.csv"]).toBe(cli.files["accounts.csv"]);
    expect(files["discrepancies.csv"]).toBe(cli.files["discrepancies.csv"]);
    expect(stable(files["report.json"])).toEqual(stable(cli.files["report.json"]));

    // The account's trail, with transaction links.
    await page.getByTestId("mismatch-row").getByRole("link").click();
    await expect(page.getByTestId("trail").locator("tbody tr").first()).toBeVisible();
    await page.getByTestId("trail").locator("tbody tr").first().getByRole("link").click();
    await expect(page.getByTestId("tx-status")).toHaveText("Réussie");
  } finally {
    await db.query("UPDATE accounts SET balance = balance - 7 WHERE address = $1", [victim]);
    await db.end();
  }
});
