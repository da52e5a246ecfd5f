/** The indexer CLI as a child process (for crash, standby and bad-input tests). */
import { spawn, type ChildProcess } from "node:child_process";

export interface IndexerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnIndexer(args: string[], env: Record<string, string | undefined> = {}): IndexerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "indexer/cli.ts", "--no-progress", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until the process printed `text` (after character `from` of its output); throws with the output. */
export async function waitForOutput(p: IndexerProcess, text: string | RegExp, timeoutMs = 30_000, from = 0) {
  const deadline = Date.now() + timeoutMs;
  const seen = () => (typeof text === "string" ? p.output().slice(from).includes(text) : text.test(p.output().slice(from)));
  while (!seen()) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`the indexer exited (${p.child.exitCode ?? p.child.signalCode}) before printing ${text}:\n${p.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`the indexer did not print ${text} in ${timeoutMs} ms:\n${p.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
