/**
 * Applies the committed Prisma migrations (indexer/database/migrations/<name>/migration.sql) and
 * records them in Prisma's own `_prisma_migrations` table, so that `prisma migrate status/deploy`
 * agree with it. No schema engine is needed at run time. Each migration runs in a transaction,
 * under the same advisory lock Prisma uses, so concurrent starts apply it once.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { advisoryLock, advisoryUnlock } from "../../scripts/lib/advisory-lock.ts";

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
const PRISMA_MIGRATE_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Applies what is missing; returns the names applied. Accepts a URL or a connected client. */
export async function migrate(
  target: string | pg.Client,
  options: { dir?: string; log?: (msg: string, fields?: Record<string, unknown>) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  const client = typeof target === "string" ? new pg.Client({ connectionString: target }) : target;
  if (typeof target === "string") await client.connect();
  const applied: string[] = [];
  try {
    await advisoryLock(client, PRISMA_MIGRATE_LOCK);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    for (const m of readMigrations(options.dir)) {
      const row = done.get(m.name);
      if (row?.finished_at) {
        if (row.checksum !== m.checksum) log("migration changed after it was applied", { migration: m.name });
        continue;
      }
      if (row) throw new MigrationError(`migration ${m.name} failed earlier and was never marked rolled back: fix the database by hand`);
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [id, m.checksum, m.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw new MigrationError(`migration ${m.name} failed: ${(error as Error).message}`);
      }
      applied.push(m.name);
      log("migration applied", { migration: m.name });
    }
  } finally {
    await advisoryUnlock(client, PRISMA_MIGRATE_LOCK).catch(() => false);
    if (typeof target === "string") await client.end().catch(() => {});
  }
  return applied;
}
