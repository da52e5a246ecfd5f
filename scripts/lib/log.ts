/**
 * Structured logs: one JSON object per line (for machines and log shippers), or a readable line
 * on a terminal. Secrets never go in: pass addresses and hashes, never keys.
 */
export type LogFields = Record<string, unknown>;
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  base: LogFields = {},
  options: { json?: boolean; level?: Level; stream?: NodeJS.WritableStream } = {},
): Logger {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? (process.env.LOG_FORMAT === "json" || !(stream as NodeJS.WriteStream).isTTY);
  const min = ORDER[options.level ?? ((process.env.LOG_LEVEL as Level) || "info")] ?? ORDER.info;
  const write = (level: Level, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const all = { ...base, ...fields };
    if (json) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }, bigintReplacer)}\n`);
    } else {
      const extra = Object.entries(all).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, bigintReplacer)}`);
      stream.write(`${level === "info" ? "" : `${level.toUpperCase()} `}${msg}${extra.length ? `  ${extra.join(" ")}` : ""}\n`);
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

export function bigintReplacer(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}
