/**
 * A pg pool for a long-running server process. pg emits 'error' on an IDLE client when the server
 * ends its session (a Postgres restart, a failover, an administrator's pg_terminate_backend); with no
 * listener that event is an uncaught exception, which takes a web server down. Here it is a warning,
 * and the next query opens a new connection.
 */
import pg from "pg";
import { createLogger } from "../../scripts/lib/log.ts";

export interface PoolOptions {
  connectionString: string;
  /** Shown in pg_stat_activity and in the warning. */
  name: string;
  max?: number;
  warn?: (msg: string, fields: Record<string, unknown>) => void;
}

const pools = createLogger({ component: "pg-pool" });
const defaultWarn = (msg: string, fields: Record<string, unknown>) => pools.warn(msg, fields);

export function createPool({ connectionString, name, max = 10, warn = defaultWarn }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: name });
  pool.on("error", (error) => warn("database connection lost (idle); the next query reconnects", { pool: name, error: error.message }));
  return pool;
}
