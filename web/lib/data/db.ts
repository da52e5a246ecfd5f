/** The Prisma client of the indexer's schema, one per server process. */
import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../../indexer/database/generated/client.ts";
import { databaseUrl } from "../config.ts";

export class NoDatabaseError extends Error {
  override name = "NoDatabaseError";
}

const g = globalThis as unknown as { __webPrisma?: PrismaClient };

export function db(): PrismaClient {
  if (g.__webPrisma) return g.__webPrisma;
  const url = databaseUrl();
  if (!url) throw new NoDatabaseError("DATABASE_URL is not set: point it at the indexer's Postgres mirror");
  g.__webPrisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  return g.__webPrisma;
}
