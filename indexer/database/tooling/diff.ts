/**
 * Prints the SQL that takes the database from the committed migrations (or from empty) to
 * schema.prisma, using Prisma's own schema engine compiled to WebAssembly (the native engine cannot
 * be downloaded here). Used to write a new migration:
 *
 *   npx tsx indexer/database/tooling/diff.ts > indexer/database/migrations/<ts>_<name>/migration.sql
 *
 * No database is needed: both sides are computed from files.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { SchemaEngine } from "@prisma/schema-engine-wasm";

const root = process.cwd();
const schemaPath = path.join(root, "indexer/database/schema.prisma");
const migrationsDir = path.join(root, "indexer/database/migrations");
const fromEmpty = process.argv.includes("--from-empty");

const schema = readFileSync(schemaPath, "utf8");
const factory = new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" });
// The engine expects the error-capturing ({ ok, value }) form of the adapter, as the CLI builds it.
const adapter = bindMigrationAwareSqlAdapterFactory(factory);
const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, (msg: string) => process.stderr.write(`${msg}\n`), adapter);

const migrations = existsSync(migrationsDir)
  ? readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : [];
const from = fromEmpty || migrations.length === 0
  ? { tag: "empty" as const }
  : {
      tag: "migrations" as const,
      baseDir: migrationsDir,
      lockfile: { path: path.join(migrationsDir, "migration_lock.toml"), content: null },
      shadowDbInitScript: "",
      migrationDirectories: migrations.map((name) => ({
        path: name,
        migrationFile: { path: "migration.sql", content: { tag: "ok", value: readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8") } },
      })),
    };
const result = await engine.diff({
  from: from as never,
  to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? "");
process.exit(0);
