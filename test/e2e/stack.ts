/**
 * The real stack for the browser tests, isolated from any `npm run dev` running on this machine:
 * a Hardhat node (the demo network: starts 400 days ago) on a free port, the program deployed and
 * seeded with cwd = a scratch folder (so deployments/31337.json and the generated module of the
 * repository are never touched), a fresh Postgres database on the machine's server, the indexer,
 * and the production web server (web/server.ts: `npm run start:web`) of the built web app, with
 * APP_URL and SESSION_SECRET set as production requires.
 *
 *   npx tsx test/e2e/stack.ts          # start it by hand and keep it running (Ctrl-C stops it)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { toHex } from "viem";
import { DEV_ROLES, devAccount } from "../../scripts/lib/dev-accounts.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const STATE_FILE = path.join(ROOT, "test-results", "e2e-stack.json");
const BIN = path.join(ROOT, "node_modules", ".bin");
const PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** The relayer's key: Hardhat account #1 of the public dev mnemonic (DEV_ROLES.relayer). */
export function relayerKey(): string {
  return toHex(devAccount(DEV_ROLES.relayer).getHdKey().privateKey!);
}

export interface StackInfo {
  rpcUrl: string;
  webUrl: string;
  databaseUrl: string;
  databaseName: string;
  deploymentFile: string;
  scratch: string;
  pids: number[];
  logName?: string;
  /** The web app's KEY_ENCRYPTION_KEY (a throwaway per run): tests decrypt the custodial keys with it
   * to check that none of them (nor this key) ever reaches a log. */
  kek?: string;
  /** Where every process's output is also written as it comes (`<name>.log`), for tests to read. */
  logDir?: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const logs: Record<string, string> = {};
/** Set by startStack: each process's output is appended there too (readable from test workers). */
let logDir: string | null = null;

/** What the stack's processes printed so far (the last 200-400 kB of each), e.g. to check that no secret leaks. */
export function stackLogs(): Record<string, string> {
  return { ...logs };
}

/** Detached, so that stopping kills the whole group (npx → sh → node). */
function start(name: string, cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  const child = spawn(cmd, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: "0", ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  logs[name] = "";
  const file = logDir ? path.join(logDir, `${name}.log`) : null;
  const keep = (b: Buffer) => {
    if (file) appendFileSync(file, b);
    logs[name] += b.toString();
    if (logs[name]!.length > 400_000) logs[name] = logs[name]!.slice(-200_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return child;
}

function run(name: string, cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
  const child = start(name, cmd, args, options);
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (${code}):\n${logs[name]!.slice(-4000)}`)))),
  );
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, log?: string) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${log ? `:\n${(logs[log] ?? "").slice(-4000)}` : ""}`);
}

async function rpc(url: string, method: string, params: unknown[] = []) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return ((await r.json()) as { result: any }).result;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".next" || entry.name === "node_modules") continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Everything the web app's bundle compiles from: its own folder and the shared code it imports. */
const WEB_SOURCES = ["web", "indexer", "scripts/audit", "scripts/lib", "contracts"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether process `pid` still runs (a lock whose holder died is taken over). */
function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // being written: wait
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Runs `fn` holding a lock file, so suites starting stacks in parallel workers never build at once. */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(ROOT, "test-results", "web-build.lock");
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      const holder = Number(existsSync(lock) ? readFileSync(lock, "utf8") : "");
      if (existsSync(lock) && !alive(holder)) rmSync(lock, { force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Builds the web app when any of its sources is newer than the last build (a full build costs minutes on 2 cores). */
export async function ensureWebBuild() {
  await withBuildLock(async () => {
    const buildId = path.join(ROOT, "web", ".next", "BUILD_ID");
    const newestSource = Math.max(...WEB_SOURCES.map((dir) => newestMtime(path.join(ROOT, dir))));
    const stale = !existsSync(buildId) || newestSource > statSync(buildId).mtimeMs || process.env.E2E_REBUILD === "1";
    if (stale) await run("build", path.join(BIN, "next"), ["build", "web"]);
  });
}

export interface StackOptions {
  /** Seed the demo program (default true). */
  seed?: boolean;
  /** Run the indexer (default true); without it, `prepareDatabase` fills the mirror. */
  index?: boolean;
  prepareDatabase?: (databaseUrl: string, deploymentFile: string, rpcUrl: string) => Promise<void>;
  /** The web server's environment on top of the stack's (a function: from the chain's URL). */
  webEnv?: Record<string, string> | ((stack: { rpcUrl: string }) => Record<string, string>);
  /** Where the stack's description is written (default STATE_FILE, read by Playwright's setup); null: nowhere
   * (a vitest suite or a benchmark running beside the browser tests). */
  stateFile?: string | null;
  /** The processes' logs file written by stopStack, under test-results/ (default e2e-logs.txt). */
  logName?: string;
}

export async function startStack(options: StackOptions = {}): Promise<StackInfo> {
  const pids: number[] = [];
  const scratch = path.join(ROOT, "test-results", `e2e-stack-${Date.now().toString(36)}`);
  mkdirSync(path.join(scratch, "contracts", "generated"), { recursive: true });
  symlinkSync(path.join(ROOT, "artifacts"), path.join(scratch, "artifacts"));
  logDir = path.join(scratch, "logs");
  mkdirSync(logDir, { recursive: true });

  // 1. Chain.
  const chainPort = await freePort();
  const rpcUrl = `http://127.0.0.1:${chainPort}`;
  const chain = start("chain", path.join(BIN, "hardhat"), ["node", "--network", "demo", "--port", String(chainPort), "--hostname", "127.0.0.1"]);
  pids.push(chain.pid!);
  await waitFor("the chain", async () => (await rpc(rpcUrl, "eth_chainId")) !== undefined, 60_000, "chain");

  // 2. Program: deployed and seeded from the scratch folder.
  await run("deploy", path.join(BIN, "tsx"), [path.join(ROOT, "scripts/deploy.ts"), "--rpc-url", rpcUrl], { cwd: scratch });
  if (options.seed !== false) await run("seed", path.join(BIN, "tsx"), [path.join(ROOT, "scripts/seed.ts"), "--rpc-url", rpcUrl], { cwd: scratch });
  const deploymentFile = path.join(scratch, "deployments", "31337.json");

  // 3. Database and indexer.
  const databaseName = `e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  await admin.end();
  const dbUrl = new URL(PG_URL);
  dbUrl.pathname = `/${databaseName}`;
  const databaseUrl = dbUrl.toString();
  if (options.prepareDatabase) await options.prepareDatabase(databaseUrl, deploymentFile, rpcUrl);
  if (options.index !== false) await startIndexer();
  async function startIndexer() {
  const indexer = start(
    "indexer",
    path.join(BIN, "tsx"),
    [path.join(ROOT, "indexer/cli.ts"), "--rpc-url", rpcUrl, "--deployment", deploymentFile, "--confirmations", "2", "--poll-interval", "100", "--port", "0", "--no-progress"],
    { env: { DATABASE_URL: databaseUrl, LOG_FORMAT: "json" } },
  );
  pids.push(indexer.pid!);
  const head = BigInt(await rpc(rpcUrl, "eth_blockNumber"));
  await waitFor(
    "the indexer to catch up",
    async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        const { rows } = await c.query("SELECT cursor_number FROM indexer_state WHERE id = 1");
        return rows.length > 0 && BigInt(rows[0].cursor_number) >= head;
      } finally {
        await c.end();
      }
    },
    180_000,
    "indexer",
  );
  }

  // 4. Web.
  await ensureWebBuild();
  const webPort = Number(process.env.E2E_WEB_PORT ?? (await freePort()));
  const webUrl = `http://127.0.0.1:${webPort}`;
  const webEnv = typeof options.webEnv === "function" ? options.webEnv({ rpcUrl }) : (options.webEnv ?? {});
  const kek = webEnv.KEY_ENCRYPTION_KEY ?? randomBytes(32).toString("hex");
  const web = start("web", path.join(BIN, "node"), [path.join(ROOT, "web", "server.ts"), "--port", String(webPort), "--hostname", "127.0.0.1"], {
    env: {
      DATABASE_URL: databaseUrl,
      RPC_URL: rpcUrl,
      CHAIN_ID: "31337",
      DEPLOYMENT_FILE: deploymentFile,
      APP_URL: webUrl,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      KEY_ENCRYPTION_KEY: kek,
      RELAYER_PRIVATE_KEY: relayerKey(),
      ...webEnv,
    },
  });
  pids.push(web.pid!);
  await waitFor("the web app", async () => (await fetch(`${webUrl}/api/stats`)).ok, 60_000, "web");

  const info: StackInfo = { rpcUrl, webUrl, databaseUrl, databaseName, deploymentFile, scratch, pids, kek, logDir, ...(options.logName ? { logName: options.logName } : {}) };
  const stateFile = options.stateFile === undefined ? STATE_FILE : options.stateFile;
  if (stateFile) {
    mkdirSync(path.dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify(info, null, 2));
  }
  return info;
}

export function readStack(): StackInfo {
  return JSON.parse(readFileSync(STATE_FILE, "utf8"));
}

export async function stopStack(info: StackInfo) {
  for (const pid of [...info.pids].reverse()) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {}
  }
  await new Promise((r) => setTimeout(r, 1500));
  for (const pid of info.pids) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${info.databaseName}" WITH (FORCE)`).catch(() => {});
  await admin.end();
  rmSync(info.scratch, { recursive: true, force: true });
  writeFileSync(path.join(ROOT, "test-results", info.logName ?? "e2e-logs.txt"), Object.entries(logs).map(([k, v]) => `==== ${k}\n${v.slice(-20_000)}`).join("\n"));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const info = await startStack();
  console.log(JSON.stringify(info, null, 2));
  const stop = async () => {
    await stopStack(info);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
