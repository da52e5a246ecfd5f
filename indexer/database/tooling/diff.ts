/**
 * Prints the SQL that takes the database from the committed migrations (or from empty) to
 * the schema (indexer/database/schema/*.prisma), using Prisma's own schema engine compiled to WebAssembly (the native engine cannot
 * be downloaded here). Used to write a new migration:
 *
 *   npx tsx indexer/database/tooling/diff.ts > indexer/database/migrations/<ts>_<name>/migration.sql
 *
 * No database is needed: both sides are computed from files.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { SchemaEngine } from "@prisma/schema-engine-wasm";

// adapter-pg cannot type Postgres "char" (OID 18) columns, which the engine's introspection reads
// from pg_catalog (constraint_type, …): let pg read them as text, and tell the engine they are
// characters (ColumnTypeEnum.Character), in this process only.
const PgResult = createRequire(import.meta.url)("pg/lib/result.js");
const addFields = PgResult.prototype.addFields;
const charColumns = new Set<string>();
PgResult.prototype.addFields = function (fields: { name: string; dataTypeID: number }[]) {
  for (const f of fields) if (f.dataTypeID === 18) (charColumns.add(f.name), (f.dataTypeID = 25));
  return addFields.call(this, fields);
};
const CHARACTER_COLUMN = 6;
type RawResult = { columnNames: string[]; columnTypes: number[] };
function typeCharColumns<T extends { queryRaw(q: unknown): Promise<RawResult> }>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (q) => {
    const result = await queryRaw(q);
    result.columnNames.forEach((name, i) => charColumns.has(name) && (result.columnTypes[i] = CHARACTER_COLUMN));
    return result;
  };
  return queryable;
}

(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (m: string) => process.stderr.write(`schema engine panicked: ${m}\n`) };
const root = process.cwd();
const schemaDir = path.join(root, "indexer/database/schema");
const migrationsDir = path.join(root, "indexer/database/migrations");
const fromEmpty = process.argv.includes("--from-empty");

const schemaFiles = readdirSync(schemaDir)
  .filter((name) => name.endsWith(".prisma"))
  .sort()
  .map((name) => ({ path: path.join(schemaDir, name), content: readFileSync(path.join(schemaDir, name), "utf8") }));
// The shadow database (where the committed migrations are replayed) is created on this server. A
// config object, not a connection string: pg ignores the shadow database's name next to a string,
// and the migrations would run in the main database.
const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
const factory = new PrismaPg({
  host: url.hostname,
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password) || undefined,
  database: url.pathname.slice(1) || "postgres",
});
// adapter-pg's own shadow database is dropped before its pool is closed ("being accessed by other
// users"): create it, and drop it after closing, here.
const config = { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) || undefined };
factory.connectToShadowDb = async () => {
  const main = await factory.connect();
  const database = `prisma_migrate_shadow_db_${randomUUID()}`;
  await main.executeScript(`CREATE DATABASE "${database}"`);
  const shadow = typeCharColumns(await new PrismaPg({ ...config, database }).connect());
  const dispose = shadow.dispose.bind(shadow);
  shadow.dispose = async () => {
    await dispose();
    await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await main.dispose();
  };
  return shadow;
};
// The engine expects the error-capturing ({ ok, value }) form of the adapter, as the CLI builds it.
const adapter = bindMigrationAwareSqlAdapterFactory(factory);
const engine = await SchemaEngine.new({ datamodels: schemaFiles.map((f) => [f.path, f.content]) }, (msg: string) => process.stderr.write(`${msg}\n`), adapter);

// Through a driver adapter the engine splits a script on every ";", even inside a "--" comment
// (one in 20261123150000_app_users made it fail with "syntax error at or near IV"). The committed
// files stay as they are (their checksums are recorded); the shadow database gets them uncommented.
function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "");
}

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
      lockfile: {
        path: "migration_lock.toml",
        content: existsSync(path.join(migrationsDir, "migration_lock.toml")) ? readFileSync(path.join(migrationsDir, "migration_lock.toml"), "utf8") : null,
      },
      shadowDbInitScript: "",
      migrationDirectories: migrations.map((name) => ({
        path: name,
        migrationFile: { path: "migration.sql", content: { tag: "ok", value: withoutComments(readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8")) } },
      })),
    };
const result = await engine.diff({
  from: from as never,
  to: { tag: "schemaDatamodel", files: schemaFiles },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? "");
process.exit(0);
