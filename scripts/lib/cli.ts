/**
 * The shared shape of every command-line tool: `--help`, typed options, a clear message and a
 * non-zero exit on bad input, never a stack trace for a user error.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { redactUrls } from "./redact.ts";

export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CliSpec<O extends Options> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** One line per option, shown by --help. */
  help: Partial<Record<keyof O, string>>;
}

export function parseCli<O extends Options>(spec: CliSpec<O>, argv = process.argv.slice(2)) {
  const options = { ...spec.options, help: { type: "boolean", short: "h" } } as O & { help: { type: "boolean"; short: "h" } };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (error) {
    fail(spec, (error as Error).message);
  }
  if ((parsed.values as Record<string, unknown>).help) {
    console.log(helpText(spec));
    process.exit(0);
  }
  return parsed.values as ReturnType<typeof parseArgs<{ options: O }>>["values"];
}

export function helpText<O extends Options>(spec: CliSpec<O>) {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === "string" ? " <value>" : ""}`;
    return `  ${flag.padEnd(28)} ${spec.help[name as keyof O] ?? ""}${o.default !== undefined ? ` (default: ${String(o.default)})` : ""}`;
  });
  rows.push(`  ${"--help, -h".padEnd(28)} show this help`);
  return `${spec.name}: ${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${rows.join("\n")}`;
}

/** An integer option's value (`--name`), at least `min`; a UsageError otherwise. */
export function intOption(value: string, name: string, min = 0): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

export function fail(spec: { name: string }, message: string): never {
  console.error(`${spec.name}: ${message}\nRun with --help for the options.`);
  process.exit(2);
}

/** Runs `main`, turning a thrown error into one line on stderr and exit code 1. */
export async function runMain(name: string, main: () => Promise<void>) {
  try {
    await main();
  } catch (error) {
    const e = error as Error;
    // viem's messages quote the RPC URL (a provider's key in its path): only its origin is printed.
    console.error(`${name}: ${e instanceof UsageError ? "" : "error: "}${redactUrls(e.message)}`);
    if (process.env.DEBUG) console.error(redactUrls(e.stack ?? ""));
    process.exit(e instanceof UsageError ? 2 : 1);
  }
}
