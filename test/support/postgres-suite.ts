/**
 * For a vitest suite that needs the app's schema: a fresh migrated database and a pg pool on it,
 * created before the suite's tests and dropped after. Kept apart from postgres.ts so that scripts
 * (benchmarks) can use that module without importing vitest.
 *
 *   const t = useTestDatabase();   // then t.pool, t.db.url in the tests
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

export function useTestDatabase(options: { maxConnections?: number } = {}): { db: TestDatabase; pool: pg.Pool } {
  const suite = {} as { db: TestDatabase; pool: pg.Pool };
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.pool = new pg.Pool({ connectionString: suite.db.url, max: options.maxConnections ?? 4 });
  });
  afterAll(async () => {
    await suite.pool?.end();
    await suite.db?.drop();
  });
  return suite;
}
