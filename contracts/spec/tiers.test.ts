import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PG_URL } from "../../test/support/postgres.ts";
import { tierFor, tierSql } from "./tiers.ts";

const THRESHOLD_SETS: bigint[][] = [[], [1n], [100n, 500n, 2_000n], [1_000n, 5_000n, 20_000n]];
const around = (thresholds: bigint[]) => [0n, ...thresholds.flatMap((t) => [t - 1n, t, t + 1n]), 10n ** 30n];

describe("tierFor", () => {
  it("is the number of thresholds reached, a threshold itself included", () => {
    expect(tierFor(0n, [])).toBe(0);
    expect(tierFor(10n ** 30n, [])).toBe(0);
    expect(tierFor(99n, [100n, 500n])).toBe(0);
    expect(tierFor(100n, [100n, 500n])).toBe(1);
    expect(tierFor(499n, [100n, 500n])).toBe(1);
    expect(tierFor(500n, [100n, 500n])).toBe(2);
    expect(tierFor(10_000n, [100n, 500n])).toBe(2);
  });
});

describe("tierSql", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
  });
  afterAll(() => client?.end());

  it("gives tierFor's tier at and around every threshold", async () => {
    for (const thresholds of THRESHOLD_SETS) {
      const earned = around(thresholds);
      const { rows } = await client.query<{ tier: number }>(
        `SELECT ${tierSql("e", "$2::numeric[]")} AS tier FROM unnest($1::numeric[]) WITH ORDINALITY AS u(e, i) ORDER BY i`,
        [earned.map(String), thresholds.map(String)],
      );
      expect(rows.map((r) => r.tier), `thresholds [${thresholds}]`).toEqual(earned.map((e) => tierFor(e, thresholds)));
    }
  });

  it("reads a NULL threshold array (no programme settings row) as no tiers", async () => {
    const { rows } = await client.query(`SELECT ${tierSql("5::numeric", "NULL::numeric[]")} AS tier`);
    expect(rows[0].tier).toBe(0);
  });
});
