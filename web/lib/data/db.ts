/**
 * The mirror's read side, one per server process: the indexer's query layer (indexer/query). Its
 * pool and Prisma client also serve the app's own tables (users, nonces, rate limits).
 */
import "server-only";
import { MirrorQueries } from "../../../indexer/query/index.ts";
import { databaseUrl } from "../config.ts";
import { ServiceUnavailableError } from "../edge/errors.ts";

export class NoDatabaseError extends ServiceUnavailableError {
  override name = "NoDatabaseError";
  constructor(detail: string) {
    super("no_database", "the database is not configured", detail);
  }
}

const g = globalThis as unknown as { __webQueries?: MirrorQueries };

export function queries(): MirrorQueries {
  if (g.__webQueries) return g.__webQueries;
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set: point it at the indexer's Postgres mirror");
  g.__webQueries = new MirrorQueries(url, { poolSize: 10 });
  return g.__webQueries;
}

/** The pool of the app's own tables (users, consents, …), as a pg-style client. */
export function appDb(): import("../custody/users.ts").Queryable {
  return queries().pool as unknown as import("../custody/users.ts").Queryable;
}

export function db() {
  return queries().prisma;
}
