/**
 * How the indexer talks to Postgres: every connection it opens has a connect timeout, TCP
 * keepalives on both ends and a time limit on each statement, so a database that stops answering
 * (a network partition, a stuck server) becomes an error within seconds rather than a silent stall
 * that /ready would not see. Also: which errors are worth retrying, and what of a URL may be logged.
 */
import pg from "pg";

export interface ConnectionOptions {
  /** Connecting, and each statement, must finish within this many milliseconds. */
  timeoutMs: number;
  applicationName?: string;
  /** Only connecting is timed (migrations: a statement may rightly take long on a big mirror). */
  unboundedStatements?: boolean;
}

export const DEFAULT_DB_TIMEOUT_MS = 15_000;

/** A statement that may legitimately run long (building an index over the whole history). */
export const UNBOUNDED_QUERY_MS = 2 ** 31 - 1;

/** Connects a client with the limits above; idle errors are reported to `onError`, never thrown. */
export async function connectClient(url: string, options: ConnectionOptions, onError: (e: Error) => void = () => {}): Promise<pg.Client> {
  const { timeoutMs } = options;
  const statementMs = options.unboundedStatements ? 0 : timeoutMs;
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? "loyalty-indexer",
    connectionTimeoutMillis: timeoutMs,
    // Client side: a statement with no answer in time fails (pg then drops the connection on close).
    query_timeout: statementMs || undefined,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
  });
  // A lost connection surfaces on the next query; the idle error must not crash the process.
  client.on("error", onError);
  try {
    await client.connect();
    // Server side, set per session rather than as startup parameters so that any server or proxy
    // accepts them: the same statement limit; a transaction left idle (this client cut off in the
    // middle of a batch) is ended and its locks released; and the server's own keepalives notice a
    // vanished client in seconds, so its session (holding the writer lock) does not linger for hours.
    await client.query(
      `SELECT set_config('statement_timeout', $1, false), set_config('idle_in_transaction_session_timeout', $2, false),
              set_config('tcp_keepalives_idle', '5', false), set_config('tcp_keepalives_interval', '2', false),
              set_config('tcp_keepalives_count', '3', false)`,
      [String(statementMs), String(2 * timeoutMs)],
    );
  } catch (error) {
    await closeClient(client);
    throw error;
  }
  return client;
}

/** Ends a client politely, or drops its socket if the server does not answer within `graceMs`. */
export async function closeClient(client: pg.Client, graceMs = 2_000) {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().catch(() => {});
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
  if ((await Promise.race([ended, late])) === "late") {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
  clearTimeout(timer);
}

/**
 * Errors that a later attempt may not meet: the server unreachable, starting, shutting down, out of
 * connections, or the connection lost or timed out. Bad credentials, a missing database or an SQL
 * error are not: retrying them only hides the message.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  const code = e?.code ?? "";
  if (/^(ECONN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|EPIPE|EAI_AGAIN|ENOTFOUND)/.test(code)) return true;
  if (code.startsWith("08") || ["57P01", "57P02", "57P03", "53300", "57014", "40001", "40P01"].includes(code)) return true;
  return /Connection terminated|connection timeout|Query read timeout|timeout expired|Client has encountered a connection error|not queryable/i.test(e?.message ?? "");
}

/** An error's message, saying what pg's bare client-side timeout means. */
export function databaseErrorMessage(error: unknown, timeoutMs: number) {
  const message = (error as Error)?.message ?? String(error);
  return message === "Query read timeout" ? `the database did not answer a statement within ${timeoutMs} ms (--db-timeout)` : message;
}

/** What of a database URL may be logged: host, port and database name, never credentials or options. */
export function describeDatabaseUrl(url: string) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
