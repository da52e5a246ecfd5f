/**
 * A database brought to the committed migrations just before one migration, so that a test can
 * write rows as they were, apply that one migration alone and check what it made of them.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { migrate, MIGRATIONS_DIR } from "../../indexer/database/migrator.ts";
import { databaseUrl, TEST_PG_URL } from "./postgres.ts";

export interface MigrationStep {
  db: pg.Client;
  /** Applies the committed migrations before `migration`. */
  applyBefore(): Promise<string[]>;
  /** Applies `migration` itself; what was applied (its name alone). */
  applyIt(): Promise<string[]>;
  close(): Promise<void>;
}

export async function migrationStep(migration: string): Promise<MigrationStep> {
  if (!readdirSync(MIGRATIONS_DIR).includes(migration)) throw new Error(`no migration ${migration}`);
  const upTo = (inclusive: boolean) => {
    const dir = mkdtempSync(path.join(tmpdir(), "migrations-"));
    for (const m of readdirSync(MIGRATIONS_DIR)) if (m < migration || (inclusive && m === migration)) cpSync(path.join(MIGRATIONS_DIR, m), path.join(dir, m), { recursive: true });
    return dir;
  };
  const before = upTo(false);
  const through = upTo(true);
  const name = `t_step_${migration.slice(0, 14)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const db = new pg.Client({ connectionString: databaseUrl(name) });
  await db.connect();
  return {
    db,
    applyBefore: () => migrate(db, { dir: before }),
    applyIt: () => migrate(db, { dir: through }),
    async close() {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      for (const dir of [before, through]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The suite's step for `migration`, made before its tests and dropped after them. */
export function useMigrationStep(migration: string): () => MigrationStep {
  let step: MigrationStep | undefined;
  beforeAll(async () => {
    step = await migrationStep(migration);
  });
  afterAll(() => step?.close());
  return () => {
    if (!step) throw new Error("the migration step is made in beforeAll");
    return step;
  };
}
