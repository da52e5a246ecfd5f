/**
 * The public auditor page: zero mismatches on a healthy mirror; after one mirror row is corrupted
 * in the database, exactly that account is flagged. Also the report downloads.
 */
import pg from "pg";
import { expect, screenshots, seriousViolations, test } from "./fixtures.ts";
import { account } from "./wallet.ts";

test.describe.configure({ mode: "serial" });

test("the auditor sees zero mismatches, then exactly the corrupted account", async ({ page, stack }) => {
  await page.goto("/audit");
  await expect(page.getByTestId("mismatch-count")).toHaveText("0");
  await expect(page.getByTestId("mirror-total")).toHaveText((await page.getByTestId("total-supply").textContent())!);
  await expect(page.locator("tr.mismatch")).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
  expect(await screenshots(page, "audit")).toEqual([]);

  const csv = await page.request.get("/api/audit/report?format=csv");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect((await csv.text()).split("\n")[0]).toBe("address,mirror_balance,chain_balance,match");
  const json = await (await page.request.get("/api/audit/report?format=json")).json();
  expect(json.mismatches).toEqual([]);

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
    const report = await (await page.request.get("/api/audit/report?format=json")).json();
    expect(report.mismatches).toEqual([victim]);

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
