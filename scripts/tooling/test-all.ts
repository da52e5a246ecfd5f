/**
 * `npm test`: builds what the suites need, runs every suite (Solidity tests, Hardhat TypeScript
 * tests, vitest suites, browser tests when present), and ends with ONE line `N passed, N failed`
 * summing them. Exits non-zero on any failure, skipped test or suite that crashed.
 */
import { spawn } from "node:child_process";
import { existsSync, globSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
  seconds: number;
}

const root = process.cwd();
const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const packageScripts = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<string, string>;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, FORCE_COLOR: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      stream.write(chunk);
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
const count = (output: string, word: string) => {
  const matches = [...stripAnsi(output).matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, "gm"))];
  return matches.length ? Number(matches[matches.length - 1][1]) : 0;
};

async function step(name: string, command: string, args: string[]) {
  console.log(`\n=== ${name}`);
  const { code } = await run(command, args);
  if (code !== 0) {
    console.error(`\n${name} failed (exit ${code}); no test can run without it.`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

/**
 * A suite whose reporter ends with count lines: mocha-style "N passing / N failing" (Hardhat) or
 * Playwright's "N passed / N failed / N flaky" (a flaky test passed on its retry).
 */
async function mochaStyleSuite(name: string, command: string, args: string[]): Promise<SuiteResult> {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  const { code, output } = await run(command, args);
  return {
    name,
    passed: count(output, "passing") + count(output, "passed") + count(output, "flaky"),
    failed: count(output, "failing") + count(output, "failed") + count(output, "cancelled") + count(output, "interrupted"),
    skipped: count(output, "skipped") + count(output, "todo") + count(output, "did not run"),
    exitCode: code,
    seconds: (Date.now() - started) / 1000,
  };
}

async function vitestSuite(): Promise<SuiteResult> {
  console.log("\n=== vitest suites (indexer, scripts, web, integration)");
  const started = Date.now();
  mkdirSync(path.join(root, "reports"), { recursive: true });
  const report = path.join(root, "reports/vitest.json");
  const { code } = await run("npx", ["vitest", "run", "--passWithNoTests", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    passed = r.numPassedTests;
    failed = r.numFailedTests;
    skipped = r.numPendingTests + r.numTodoTests;
  }
  return { name: "vitest", passed, failed, skipped, exitCode: code, seconds: (Date.now() - started) / 1000 };
}

/**
 * The adversarial suite (test/adversarial, by attack class) holds both kinds: Hardhat tests are its
 * `*.ts` files that are not `*.test.ts`, run here as a second Hardhat suite; its `*.test.ts` files
 * are vitest's (vitest.config.ts includes only `*.test.ts`).
 */
const adversarialHardhatFiles = () =>
  globSync("test/adversarial/**/*.ts", { cwd: root }).filter((f) => !f.endsWith(".test.ts")).sort();

const suites: [string, () => Promise<SuiteResult>][] = [
  ["solidity", () => mochaStyleSuite("Solidity tests (fuzz, invariants)", "npx", ["hardhat", "test", "solidity"])],
  ["contracts", () => mochaStyleSuite("Contract tests (Hardhat, TypeScript)", "npx", ["hardhat", "test", "nodejs"])],
  ["contracts", () => mochaStyleSuite("Adversarial contract tests (Hardhat)", "npx", ["hardhat", "test", "nodejs", ...adversarialHardhatFiles()])],
  ["vitest", vitestSuite],
];
if (packageScripts["test:e2e"]) suites.push(["e2e", () => mochaStyleSuite("Browser tests (Playwright, Chromium)", "npm", ["run", "--silent", "test:e2e"])]);

await step("compile contracts and generate the contracts module", "npm", ["run", "--silent", "build:contracts"]);
if (packageScripts["build:db"]) await step("generate the database client", "npm", ["run", "--silent", "build:db"]);

const results: SuiteResult[] = [];
for (const [key, suite] of suites) {
  if (only.length && !only.includes(key)) continue;
  results.push(await suite());
}

console.log("\n=== summary");
for (const r of results) {
  const crashed = r.exitCode !== 0 && r.failed === 0;
  console.log(`${r.name.padEnd(40)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped).padStart(3)} skipped  ${r.seconds.toFixed(1)}s${crashed ? `  (exited ${r.exitCode})` : ""}`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
// A suite that exited non-zero without reporting a failure (a crash, a compile error) and a skipped
// test both count as failures: neither proves anything.
const failed = results.reduce((n, r) => n + r.failed + r.skipped + (r.exitCode !== 0 && r.failed === 0 ? 1 : 0), 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
