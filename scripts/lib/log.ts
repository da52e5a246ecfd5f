/**
 * The one logger of every process (indexer, web server, relayer, scripts, CLIs). A service writes
 * one JSON object per line, `{ time, level, component, msg, ...fields }`, for machines and log
 * shippers; a person at a terminal sees a readable line instead (LOG_FORMAT=json forces JSON).
 *
 * Secrets never go in: pass addresses and hashes, never keys. An Error in the fields is written as
 * its name and message, with every URL reduced to its origin (an RPC URL may carry a provider's key).
 */
import { stringify } from "viem";
import { redactUrls } from "./redact.ts";

export type LogFields = Record<string, unknown>;
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` as well. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** JSON lines (default: when LOG_FORMAT=json or the stream is not a terminal). */
  json?: boolean;
  /** Lines below it are dropped (default: LOG_LEVEL, else info). */
  level?: Level;
  /** Where lines go (default: stderr, so a CLI's stdout stays its result). */
  stream?: NodeJS.WritableStream;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields as written: bigints as decimal strings (viem's `stringify`), errors as name and redacted message. */
function serialisable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: redactUrls(value.message) } : value;
  }
  return out;
}

/** `component` names the process or part writing (indexer, relayer, web, deploy …). */
export function createLogger(base: LogFields & { component?: string } = {}, options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? (process.env.LOG_FORMAT === "json" || !(stream as NodeJS.WriteStream).isTTY);
  const min = ORDER[options.level ?? ((process.env.LOG_LEVEL as Level) || "info")] ?? ORDER.info;
  const write = (level: Level, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const all = serialisable({ ...base, ...fields });
    if (json) {
      const { component, ...rest } = all;
      stream.write(`${stringify({ time: new Date().toISOString(), level, ...(component === undefined ? {} : { component }), msg, ...rest })}\n`);
    } else {
      const extra = Object.entries(all).map(([k, v]) => `${k}=${typeof v === "string" ? v : stringify(v)}`);
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
