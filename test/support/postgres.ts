/**
 * Databases for tests, on the machine's Postgres (127.0.0.1:5432, user postgres, trust auth).
 * The migrations are applied once per run to a template database; each test file then gets its own
 * copy (`CREATE DATABASE t_<id> TEMPLATE …`, ~0.1 s) and drops it afterwards.
 *
 *   const db = await createTestDatabase();   // db.url, db.name
 *   afterAll(() => db.drop());
 *
 * TEST_PG_URL overrides the server (any database on it; the user needs CREATEDB).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { migrate } from "../../indexer/database/migrator.ts";
import { withAdvisoryLock } from "../../scripts/lib/advisory-lock.ts";

export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(name: string, base = TEST_PG_URL) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The template's name follows the migrations' content, so a changed migration gets a new one. */
function templateName(root = process.cwd()) {
  const dir = path.join(root, "indexer/database/migrations");
  const hash = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".toml")) continue;
    hash.update(name).update(readFileSync(path.join(dir, name, "migration.sql")));
  }
  return `tpl_mirror_${hash.digest("hex").slice(0, 12)}`;
}

const LOCK = 0x7e57db;

/** Creates (once, under an advisory lock so parallel workers agree) the migrated template. */
export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await admin(async (client) => {
    await withAdvisoryLock(client, LOCK, async () => {
      const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (rowCount) return;
      const building = `${name}_build`;
      await client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${building}"`);
      await migrate(databaseUrl(building), { log: () => {} });
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    });
  });
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database with the migrations applied. `empty: true` skips them (to test the migrator). */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const template = options.empty ? "template0" : await ensureTemplate();
  await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      admin(async (client) => {
        // pg's Pool.end() resolves before its connections are gone on the server; FORCE would then kill
        // them, and a killed client that already left its pool has no error listener: an uncaught
        // exception in whichever test file runs. Give them a moment to close by themselves first.
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline) {
          const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
          if (rows[0]!.n === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
