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
