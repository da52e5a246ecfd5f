/**
 * The relayer's logs, through the one logger of every process (scripts/lib/log.ts): hashes, nonces,
 * targets and selectors; never the key, never signed bytes. Parts take a `Log` so tests can listen.
 */
import { createLogger } from "../../../scripts/lib/log.ts";

export type Log = (level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

const logger = createLogger({ component: "relayer" });

export const jsonLog: Log = (level, msg, fields) => logger[level](msg, fields);
