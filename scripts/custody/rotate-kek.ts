/**
 * `npm run rotate-kek -- [options]`: re-encrypts every custodial wallet key under the current KEK
 * (KEY_ENCRYPTION_KEY, version KEY_ENCRYPTION_KEY_VERSION), decrypting the others with
 * KEY_ENCRYPTION_KEY_PREVIOUS (version KEY_ENCRYPTION_KEY_PREVIOUS_VERSION), while the app serves
 * (./rotate.ts). Exit 0 when every key it read was rotated or already current, 1 when a key would
 * not decrypt, 2 on bad input. Never prints a key.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { embeddedDatabaseUrl } from "../../indexer/database/embedded-url.ts";
import { kekFromEnv, KekError } from "../../web/lib/custody/kek.ts";
import { intOption, parseCli, runMain, UsageError } from "../lib/cli.ts";
import { createLogger } from "../lib/log.ts";
import { progressBar } from "../lib/progress.ts";
import { countKeys, rotateKeys } from "./rotate.ts";

const spec = {
  name: "rotate-kek",
  summary: "re-encrypt every custodial wallet key under the current key-encryption key, while the app serves",
  usage:
    "KEY_ENCRYPTION_KEY=<new> KEY_ENCRYPTION_KEY_VERSION=<n> KEY_ENCRYPTION_KEY_PREVIOUS=<old> KEY_ENCRYPTION_KEY_PREVIOUS_VERSION=<m> \\\n" +
    "  npm run rotate-kek -- [--dry-run] [--batch-size <n>] [--data-dir <dir>]\n\n" +
    "Environment: KEY_ENCRYPTION_KEY and KEY_ENCRYPTION_KEY_VERSION (the new KEK, used for every encryption);\n" +
    "KEY_ENCRYPTION_KEY_PREVIOUS and KEY_ENCRYPTION_KEY_PREVIOUS_VERSION (the old one, for decryption only);\n" +
    "DATABASE_URL (default: the embedded PostgreSQL of `npm run dev` under --data-dir); LOG_FORMAT=json.\n" +
    "Give the app the same four variables first (it then encrypts under the new KEK and reads both), run\n" +
    "this, then drop the _PREVIOUS variables once it reports no failed and no pending key. Batches are\n" +
    "transactions over rows locked with SKIP LOCKED: a crash loses nothing, a re-run resumes, two runs\n" +
    "share the work. Each new ciphertext is decrypted and its address checked before it is written.\n" +
    "Exit 1 when a key would not decrypt (reported by member id and address; the others are rotated).",
  options: {
    "dry-run": { type: "boolean", default: false },
    "batch-size": { type: "string", default: "500" },
    "data-dir": { type: "string", default: ".data" },
  },
  help: {
    "dry-run": "count the keys under each version and say which versions have a configured KEK; change nothing",
    "batch-size": "rows re-encrypted per transaction (their row locks are held for its length: smaller is gentler on a busy app)",
    "data-dir": "where `npm run dev`'s embedded PostgreSQL keeps its data (used when DATABASE_URL is unset)",
  },
} as const;

export async function main(argv = process.argv.slice(2)) {
  const args = parseCli(spec, argv);
  const batchSize = intOption(args["batch-size"]!, "batch-size", 1);
  let kek;
  try {
    kek = kekFromEnv();
  } catch (error) {
    if (error instanceof KekError) throw new UsageError(error.message);
    throw error;
  }
  const databaseUrl = process.env.DATABASE_URL ?? embeddedDatabaseUrl(path.resolve(args["data-dir"]!));
  if (!databaseUrl) throw new UsageError(`no database: set DATABASE_URL, or start the indexer (npm run dev) so that ${args["data-dir"]}/ holds its embedded PostgreSQL`);
  const log = createLogger({ component: "rotate-kek" });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: "rotate-kek" });
  pool.on("error", (error) => log.warn("database connection lost", { error }));
  try {
    const { rows } = await pool.query<{ t: string | null }>(`SELECT to_regclass('users')::text AS t`);
    if (!rows[0]?.t) throw new UsageError("the database has no users table: run the indexer first (it applies the migrations)");
    if (args["dry-run"]) {
      const counts = await countKeys(pool, kek);
      const toRotate = counts.filter((c) => c.version !== kek.version).reduce((n, c) => n + c.keys, 0);
      const unconfigured = counts.filter((c) => !c.configured);
      console.log(JSON.stringify({ dryRun: true, version: kek.version, previousVersion: kek.previous?.version ?? null, versions: counts, toRotate, unconfigured: unconfigured.map((c) => c.version) }));
      if (unconfigured.length) log.warn("some keys are under a version with no configured KEK: they would fail", { versions: unconfigured.map((c) => c.version) });
      return;
    }
    const tty = process.stderr.isTTY;
    let bar: ReturnType<typeof progressBar> | undefined;
    const report = await rotateKeys({
      pool,
      kek,
      batchSize,
      log,
      onProgress: (done, total, r) => {
        bar ??= progressBar("rotate-kek", total, { log });
        bar.update(done, `${r.rotated} rotated, ${r.failed} failed`, { rotated: r.rotated, failed: r.failed });
      },
    });
    if (tty) {
      bar?.done(`${report.rotated} rotated, ${report.failed} failed`);
      console.error(`rotate-kek: ${report.rotated} rotated, ${report.alreadyCurrent} already current, ${report.failed} failed${report.pending ? `, ${report.pending} pending (run again)` : ""}`);
    }
    const summary = { version: kek.version, rotated: report.rotated, alreadyCurrent: report.alreadyCurrent, failed: report.failed, pending: report.pending, failures: report.failures.map(({ id, address, version }) => ({ id, address, version })) };
    console.log(JSON.stringify(summary));
    if (report.failed > 0) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runMain("rotate-kek", () => main());
  process.exit(process.exitCode ?? 0);
}
