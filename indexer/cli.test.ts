import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHardhatNode, type HardhatNode } from "../test/support/hardhat-node.ts";
import { spawnIndexer } from "../test/support/indexer-process.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import { deployTestProgram, type TestProgram } from "../test/support/program.ts";

let node: HardhatNode;
let program: TestProgram;
let db: TestDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), "indexer-cli-"));

beforeAll(async () => {
  [node, db] = await Promise.all([startHardhatNode(), createTestDatabase({ empty: true })]);
  program = await deployTestProgram(node.url, { setup: false });
});
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

const tables = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
  await c.end();
  return rows[0].n as number;
};

const run = async (args: string[], env: Record<string, string> = {}) => {
  const p = spawnIndexer(["--rpc-url", node.url, "--port", "0", "--once", ...args], { DATABASE_URL: db.url, ...env });
  const code = await p.exited;
  return { code, out: p.output() };
};

const file = (name: string, content: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, content);
  return f;
};

describe("bad input: clear errors, non-zero exit, database untouched", () => {
  it("--help", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("--confirmations");
    expect(out).toContain("DATABASE_URL");
  });

  it("a missing deployment file", async () => {
    const { code, out } = await run(["--deployment", path.join(dir, "nope.json")]);
    expect(code).not.toBe(0);
    expect(out).toContain("no deployment file");
    expect(await tables(db.url)).toBe(0);
  });

  it("a malformed deployment file", async () => {
    const bad = await run(["--deployment", file("bad.json", "{ not json")]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("not valid JSON");
    const incomplete = await run(["--deployment", file("incomplete.json", JSON.stringify({ ...program.deployment, contracts: {} }))]);
    expect(incomplete.code).not.toBe(0);
    expect(incomplete.out).toContain("contracts.LoyaltyForwarder is missing");
    expect(await tables(db.url)).toBe(0);
  });

  it("a wrong contract address", async () => {
    const d = structuredClone(program.deployment);
    d.contracts.LoyaltyPoints.address = "0x000000000000000000000000000000000000dEaD";
    const { code, out } = await run(["--deployment", file("wrong-address.json", JSON.stringify(d))]);
    expect(code).not.toBe(0);
    expect(out).toContain("no contract at 0x000000000000000000000000000000000000dEaD");
    expect(await tables(db.url)).toBe(0);
  });

  it("a wrong chain (chain id, genesis)", async () => {
    const other = await run(["--deployment", file("chain1.json", JSON.stringify({ ...program.deployment, chainId: 1 }))]);
    expect(other.code).not.toBe(0);
    expect(other.out).toContain("serves chain 31337, the deployment file is for chain 1");
    const genesis = await run(["--deployment", file("genesis.json", JSON.stringify({ ...program.deployment, genesisHash: `0x${"ab".repeat(32)}` }))]);
    expect(genesis.code).not.toBe(0);
    expect(genesis.out).toContain("genesis");
    expect(await tables(db.url)).toBe(0);
  });

  it("a mirror of another chain is reported, left alone, and rebuilt only with --reset", async () => {
    const ok = await run(["--deployment", program.file]);
    expect(ok.code, ok.out).toBe(0);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`UPDATE indexer_state SET genesis_hash = $1`, [`0x${"cd".repeat(32)}`]);
    const before = (await c.query(`SELECT * FROM indexer_state`)).rows;
    const refused = await run(["--deployment", program.file]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("the database mirrors another chain or deployment");
    expect(refused.out).toContain("--reset");
    expect((await c.query(`SELECT * FROM indexer_state`)).rows).toEqual(before);
    await c.query(`UPDATE indexer_state SET genesis_hash = $1`, [`0x${"ef".repeat(32)}`]);
    const auto = await run(["--deployment", program.file, "--reset-on-mismatch"]);
    expect(auto.code, auto.out).toBe(0);
    expect(auto.out).toContain("erasing it");
    await c.query(`UPDATE indexer_state SET genesis_hash = $1`, [`0x${"cd".repeat(32)}`]);
    const reset = await run(["--deployment", program.file, "--reset"]);
    expect(reset.code, reset.out).toBe(0);
    expect((await c.query(`SELECT genesis_hash FROM indexer_state`)).rows[0].genesis_hash).toBe(program.deployment.genesisHash);
    await c.end();
  });

  it("bad options", async () => {
    const { code, out } = await run(["--confirmations", "-3"]);
    expect(code).toBe(2);
    expect(out).toContain("--confirmations");
  });
});
