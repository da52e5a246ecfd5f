/**
 * A real Hardhat node for a test file: `npx hardhat node` on a free port, started DETACHED so that
 * stopping it kills the whole process group (npx → sh → node would otherwise leave the node running).
 *
 *   const node = await startHardhatNode();   // node.url, node.port
 *   afterAll(() => node.stop());
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface HardhatNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the node printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function rpcAnswers(url: string) {
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startHardhatNode(options: { port?: number; cwd?: string; timeoutMs?: number } = {}): Promise<HardhatNode> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn("npx", ["hardhat", "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: options.cwd ?? process.cwd(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  child.on("exit", () => (exited = true));

  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    await new Promise<void>((resolve) => (exited ? resolve() : child.once("exit", () => resolve())));
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await rpcAnswers(url))) {
    if (exited) throw new Error(`hardhat node exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node not ready on ${url} after ${options.timeoutMs ?? 60_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, process: child, output: () => output, stop };
}
