/**
 * `npm run smoke`: what a newcomer does after `npm install`, checked. Starts `npm run dev` in its own
 * process group (as a terminal does), waits for its banner, then checks the home page, the member
 * page, an email sign-up, its verification mail in the mail catcher's inbox, and the banner's own purchase `curl`; sends SIGINT to the group (Ctrl-C)
 * and fails if any process it started or any port it opened is left behind. Where strace exists it
 * also records every outbound connection attempt of the whole process tree and fails on any that
 * leaves this machine: the stack must run with no network.
 *
 * Exit 0 only when every check passed. CI runs it on its clean clone after the tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseCli, runMain } from "./lib/cli.ts";
import { createLogger } from "./lib/log.ts";

const spec = {
  name: "smoke",
  summary: "start `npm run dev` as a newcomer would, check it works, Ctrl-C it, check nothing is left",
  usage: "npm run smoke -- [--port <n>] [--web-port <n>] [--indexer-port <n>] [--mail-port <n>] [--mail-web-port <n>] [--timeout <s>] [--no-trace]",
  options: {
    port: { type: "string", default: "8545" },
    "web-port": { type: "string", default: "3000" },
    "indexer-port": { type: "string", default: "42069" },
    "mail-port": { type: "string", default: "1025" },
    "mail-web-port": { type: "string", default: "1080" },
    timeout: { type: "string", default: "900" },
    "no-trace": { type: "boolean", default: false },
  },
  help: {
    port: "port of the local chain (passed to npm run dev)",
    "web-port": "port of the web app (passed to npm run dev)",
    "indexer-port": "port of the indexer's health server (passed to npm run dev)",
    "mail-port": "SMTP port of the mail catcher (passed to npm run dev)",
    "mail-web-port": "port of the mail catcher's inbox (passed to npm run dev)",
    timeout: "seconds to wait for the banner",
    "no-trace": "do not record outbound connection attempts with strace",
  },
} as const;

const log = createLogger({ component: "smoke" });
const root = process.cwd();

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Every live process: pid → { ppid, start time (to tell a reused pid apart), command line }. */
function processTable() {
  const table = new Map<number, { ppid: number; start: string; cmd: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      table.set(Number(entry), { ppid: Number(fields[1]), start: fields[19], cmd });
    } catch {
      /* exited while we looked */
    }
  }
  return table;
}

/** The processes of the tree below `pid`, plus any that works in this clone (cwd inside it). */
function treeOf(pid: number, table = processTable()) {
  const found = new Map<number, string>();
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    for (const [child, info] of table) {
      if (info.ppid === p && !found.has(child)) {
        found.set(child, info.start);
        stack.push(child);
      }
    }
  }
  for (const [p, info] of table) {
    if (p === process.pid || found.has(p)) continue;
    try {
      const cwd = readlinkSync(`/proc/${p}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}${path.sep}`)) found.set(p, info.start);
    } catch {
      /* not ours to read, or gone */
    }
  }
  return found;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Outbound connection attempts (not loopback, not a local socket) in an strace log. */
function outboundAttempts(traceFile: string): string[] {
  if (!existsSync(traceFile)) return [];
  const seen = new Set<string>();
  for (const line of readFileSync(traceFile, "utf8").split("\n")) {
    if (!line.includes("connect(")) continue;
    const v4 = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)/.exec(line);
    const v6 = /sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    const [port, address] = v4 ? [v4[1], v4[2]] : v6 ? [v6[1], v6[2]] : [];
    if (!address) continue;
    if (address.startsWith("127.") || address === "::1" || address === "0.0.0.0" || address === "::" || address.startsWith("::ffff:127.")) continue;
    seen.add(`${address}:${port}`);
  }
  return [...seen];
}

async function main() {
  const args = parseCli(spec);
  const ports = { chain: Number(args.port), web: Number(args["web-port"]), indexer: Number(args["indexer-port"]), mail: Number(args["mail-port"]), "mail-web": Number(args["mail-web-port"]) };
  const webUrl = `http://localhost:${ports.web}`;
  for (const [what, port] of Object.entries(ports)) {
    if (await portOpen(port)) throw new Error(`port ${port} (${what}) is already in use: stop what listens there or pass --${what === "chain" ? "" : `${what}-`}port`);
  }

  const strace = !args["no-trace"] && spawnSync("strace", ["-V"]).status === 0;
  const traceFile = path.join(os.tmpdir(), `smoke-connect-${randomBytes(4).toString("hex")}.trace`);
  const devArgs = ["run", "dev", "--", "--port", String(ports.chain), "--web-port", String(ports.web), "--indexer-port", String(ports.indexer), "--mail-port", String(ports.mail), "--mail-web-port", String(ports["mail-web"])];
  // With strace, `setsid` puts npm at the head of its own process group, apart from strace, so
  // that the Ctrl-C below reaches the stack and not the tracer.
  const [command, commandArgs] = strace
    ? ["strace", ["-f", "--seccomp-bpf", "-e", "trace=connect", "-o", traceFile, "--", "setsid", "--wait", "npm", ...devArgs]]
    : ["npm", devArgs];
  if (!strace) log.warn("strace is not installed: outbound connection attempts are not checked");

  // Processes already there (this command, its shell, anything else working in the clone) are
  // not the stack's.
  const before = new Set(processTable().keys());
  const started = Date.now();
  log.info("starting npm run dev", { ports, traceNetwork: strace });
  const dev: ChildProcess = spawn(command, commandArgs, { detached: !strace, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  const output: string[] = [];
  let bannerSeen: () => void = () => {};
  const banner = new Promise<void>((resolve) => (bannerSeen = resolve));
  for (const stream of [dev.stdout!, dev.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      process.stdout.write(`[dev] ${line}\n`);
      if (line.trim() === "Press Ctrl-C to stop.") bannerSeen();
    });
  }
  const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));

  // The group that a terminal's Ctrl-C would reach: npm's own (setsid made it a leader).
  const groupLeader = async (): Promise<number> => {
    if (!strace) return dev.pid!;
    for (let i = 0; i < 100; i++) {
      for (const [pid, info] of processTable()) {
        if (info.cmd.startsWith("npm run dev") && treeOf(dev.pid!).has(pid)) return pid;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("could not find the npm process under strace");
  };

  // Every process the stack starts, as seen while it ran (a process that re-parents itself to
  // init after a double fork is still in this list).
  const seen = new Map<number, string>();
  const watch = setInterval(() => {
    for (const [pid, start] of treeOf(dev.pid!)) if (!before.has(pid)) seen.set(pid, start);
  }, 250);

  const timeoutMs = Number(args.timeout) * 1000;
  const outcome = await Promise.race([
    banner.then(() => "banner" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref()),
  ]);
  const leader = await groupLeader().catch(() => dev.pid!);
  const checks: Check[] = [];
  const bannerSeconds = (Date.now() - started) / 1000;
  checks.push({ name: "banner", ok: outcome === "banner", detail: outcome === "banner" ? `after ${bannerSeconds.toFixed(1)} s` : `npm run dev ${outcome === "exited" ? "exited" : "timed out"} before its banner` });

  if (outcome === "banner") {
    const check = async (name: string, run: () => Promise<string | undefined>) => {
      try {
        const problem = await run();
        checks.push({ name, ok: problem === undefined, detail: problem });
      } catch (error) {
        checks.push({ name, ok: false, detail: (error as Error).message });
      }
    };
    await check("home page", async () => {
      const res = await fetch(webUrl);
      const html = await res.text();
      return res.status === 200 && html.includes("<html") ? undefined : `GET / answered ${res.status}`;
    });
    await check("member page", async () => {
      const res = await fetch(`${webUrl}/member`);
      return res.status === 200 ? undefined : `GET /member answered ${res.status}`;
    });
    const email = `smoke-${randomBytes(4).toString("hex")}@example.test`;
    await check("email sign-up", async () => {
      const res = await fetch(`${webUrl}/api/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: webUrl },
        body: JSON.stringify({ email, password: `smoke-${randomBytes(8).toString("hex")}` }),
      });
      const body = (await res.json().catch(() => ({}))) as { address?: string };
      return res.status === 201 && body.address ? undefined : `POST /api/auth/signup answered ${res.status} ${JSON.stringify(body)}`;
    });
    await check("mail catcher inbox", async () => {
      const inbox = /^\s*mail\s+(http:\/\/\S+)/.exec(output.find((l) => /^\s*mail\s+http/.test(l)) ?? "")?.[1];
      if (!inbox) return "the banner names no mail inbox";
      const page = await fetch(inbox, { headers: { accept: "text/html" } });
      if (page.status !== 200) return `GET ${inbox} answered ${page.status}`;
      // The sign-up's verification mail, sent by the mail worker through the catcher's SMTP.
      for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
        const mails = (await (await fetch(`${inbox}/api/email`)).json()) as { to?: { address: string }[]; headers?: Record<string, string>; text?: string }[];
        const mine = mails.filter((m) => m.to?.some((t) => t.address === email));
        if (mine.length > 1) return `${mine.length} verification mails for one sign-up`;
        if (mine.length === 1) return mine[0]!.headers?.["x-fact-id"]?.startsWith("verify:") && mine[0]!.text?.includes(`${webUrl}/verify-email#token=`) ? undefined : "the mail is not a verification link";
      }
      return "the sign-up's verification mail did not reach the inbox within 60 s";
    });
    await check("the banner's purchase curl", async () => {
      // The banner's command exactly as printed (its continuation lines joined), run by a shell
      // in the clone, with only curl's status code added to what it prints.
      const at = output.findIndex((l) => l.includes("curl "));
      if (at < 0) return "the banner has no curl command";
      const lines = [output[at].trim()];
      while (lines.at(-1)!.endsWith("\\")) lines.push(output[lines.length + at].trim());
      const command = `${lines.join("\n")} -w '\\n%{http_code}'`;
      const result = spawnSync("sh", ["-c", command], { cwd: root, encoding: "utf8", timeout: 60_000 });
      const [body, status] = [result.stdout.slice(0, result.stdout.lastIndexOf("\n")), result.stdout.slice(result.stdout.lastIndexOf("\n") + 1)];
      return status === "201" ? undefined : `the purchase answered ${status || result.stderr}: ${body}`;
    });
  }

  // Ctrl-C: SIGINT to the process group, as a terminal sends it.
  log.info("sending SIGINT to npm run dev's process group", { pgid: leader });
  try {
    process.kill(-leader, "SIGINT");
  } catch {
    /* already gone */
  }
  const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000).unref())]);
  clearInterval(watch);
  checks.push({ name: "Ctrl-C stops npm run dev", ok: stopped, detail: stopped ? undefined : "still running 60 s after SIGINT" });

  // Give the group's last processes a moment to finish exiting, then look for any left behind.
  await new Promise((r) => setTimeout(r, 2_000));
  const now = processTable();
  const left = [...seen].filter(([pid, start]) => now.get(pid)?.start === start).map(([pid]) => `${pid} ${now.get(pid)!.cmd.slice(0, 120)}`);
  checks.push({ name: "no process left", ok: left.length === 0, detail: left.length ? left.join("; ") : undefined });
  const pgPortFile = path.join(root, ".data", "postgres.port");
  const allPorts = { ...ports, ...(existsSync(pgPortFile) ? { postgres: Number(readFileSync(pgPortFile, "utf8").trim()) } : {}) };
  const open: string[] = [];
  for (const [what, port] of Object.entries(allPorts)) if (await portOpen(port)) open.push(`${what} ${port}`);
  checks.push({ name: "no port left open", ok: open.length === 0, detail: open.length ? open.join(", ") : undefined });

  if (strace) {
    const outbound = outboundAttempts(traceFile);
    checks.push({ name: "no outbound connection attempt", ok: outbound.length === 0, detail: outbound.length ? outbound.join(", ") : undefined });
    rmSync(traceFile, { force: true });
  }

  // Anything still running is stopped, so a failed smoke run leaves nothing either.
  for (const line of left) {
    try {
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch {
      /* gone */
    }
  }

  console.log("\nsmoke checks");
  for (const c of checks) console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}${c.detail ? `: ${c.detail}` : ""}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(failed ? `smoke failed: ${failed} of ${checks.length} checks` : `smoke ok: ${checks.length} checks, banner after ${bannerSeconds.toFixed(1)} s`);
  if (failed) process.exit(1);
}

await runMain("smoke", main);
