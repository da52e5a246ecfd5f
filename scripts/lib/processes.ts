/**
 * Child processes that die with their parent: each runs in its own process group (npx → sh → node
 * chains otherwise survive a kill of the first), its output prefixed with its name.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createInterface } from "node:readline";

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

const running = new Set<Managed>();

export function startProcess(name: string, command: string, args: string[], options: SpawnOptions & { quiet?: boolean } = {}): Managed {
  const child = spawn(command, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = `[${name}]`;
  for (const stream of [child.stdout!, child.stderr!]) {
    const lines = createInterface({ input: stream });
    if (!options.quiet) lines.on("line", (line) => process.stdout.write(`${prefix} ${line}\n`));
    else lines.on("line", () => {});
  }
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const managed = { name, child, exited };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

/** Stops one process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(managed: Managed, graceMs = 5_000) {
  const pid = managed.child.pid;
  if (pid === undefined || managed.child.exitCode !== null) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, graceMs);
  await managed.exited;
  clearTimeout(timer);
}

/**
 * Stops every running process, the last started first, one after the other: the web app lets go of
 * its database connections before the indexer stops the embedded Postgres, and the indexer stops
 * before the chain it follows.
 */
export async function stopAll() {
  for (const managed of [...running].reverse()) await stopProcess(managed);
}

/** Polls `probe` until it resolves true, or throws after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Resolves when the JSON-RPC endpoint answers eth_chainId. */
export function rpcReady(url: string) {
  return async () => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    return res.ok;
  };
}
