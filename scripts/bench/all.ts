/**
 * `npm run bench`: every benchmark in sequence (each its own `npm run bench:<name>` child process,
 * its output streamed as it runs), then one summary table of their JSON lines against the targets,
 * and, last, one JSON line `{ "<name>": <its JSON line> | null, … }` so two runs compare in one look.
 * A missed target is printed, not an error; the exit code is non-zero only when a benchmark crashed
 * (no JSON line, or a non-zero exit that is not "a target was missed").
 *
 *   npm run bench -- [--only gas,web]
 */
import { spawn } from "node:child_process";
import { fail, parseCli } from "../lib/cli.ts";
import { BENCHMARKS, type Benchmark } from "./targets.ts";

const names = BENCHMARKS.map((b) => b.name);
const args = parseCli({
  name: "bench",
  summary: "runs every benchmark in sequence and prints one summary table against the targets",
  usage: "npm run bench -- [--only <name,name>]",
  options: { only: { type: "string", default: names.join(",") } },
  help: { only: `the benchmarks to run, in this order: ${names.join(", ")}` },
});
const only = args.only.split(",").map((s) => s.trim()).filter(Boolean);
const unknown = only.filter((n) => !names.includes(n));
if (unknown.length || only.length === 0) fail({ name: "bench" }, `--only takes names among ${names.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}`);
const selected = BENCHMARKS.filter((b) => only.includes(b.name));

interface Outcome {
  bench: Benchmark;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  json: Record<string, unknown> | null;
}

/** The last stdout line that parses as a JSON object: every benchmark prints its result that way. */
function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const lines = stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // a log line that merely starts with "{"
    }
  }
  return null;
}

function run(bench: Benchmark): Promise<Outcome> {
  const started = performance.now();
  console.log(`\n=== bench:${bench.name} ===`);
  return new Promise((resolve) => {
    // Detached: the benchmark's own children (Hardhat node, next start, Postgres) are one group,
    // so Ctrl-C here stops them all.
    const child = spawn("npm", ["run", "--silent", `bench:${bench.name}`], { stdio: ["ignore", "pipe", "inherit"], detached: true });
    children.add(child.pid!);
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("close", (exitCode, signal) => {
      children.delete(child.pid!);
      resolve({ bench, exitCode, signal, seconds: (performance.now() - started) / 1000, json: lastJsonLine(stdout) });
    });
  });
}

const children = new Set<number>();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const pid of children) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

/** A crash: no result at all, or a failure exit the benchmark does not use for "target missed". */
function crashed(o: Outcome): string | null {
  if (o.signal) return `killed by ${o.signal}`;
  if (!o.json) return `no JSON line (exit ${o.exitCode})`;
  if (o.exitCode !== 0 && !o.bench.exitsOnMissedTarget) return `exit ${o.exitCode}`;
  return null;
}

const outcomes: Outcome[] = [];
for (const bench of selected) outcomes.push(await run(bench));

const rows: string[][] = [];
for (const o of outcomes) {
  const crash = crashed(o);
  const time = `${o.seconds.toFixed(0)} s`;
  if (crash || !o.json) {
    rows.push([o.bench.name, "—", "—", "—", `CRASH: ${crash}`, time]);
    continue;
  }
  for (const check of o.bench.checks) {
    const value = check.value(o.json);
    const verdict = value === undefined ? "no figure" : check.pass(value) ? "pass" : "FAIL";
    rows.push([o.bench.name, check.label, value === undefined ? "—" : check.format(value), check.target, verdict, time]);
  }
  if (o.bench.checks.length === 0) rows.push([o.bench.name, "", "", "", "", time]);
}

const header = ["benchmark", "figure", "value", "target", "result", "time"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log("\n=== summary ===");
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
const missed = rows.filter((r) => r[4] === "FAIL").length;
const crashes = outcomes.filter((o) => crashed(o));
console.log(`\n${outcomes.length} benchmark(s), ${crashes.length} crashed, ${missed} target(s) missed`);
console.log(JSON.stringify(Object.fromEntries(outcomes.map((o) => [o.bench.name, o.json]))));
process.exit(crashes.length ? 1 : 0);
