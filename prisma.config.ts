// Prisma CLI configuration (Prisma 7 requires it at the root). The indexer applies the committed
// migrations itself at run time (indexer/database/migrator.ts); no schema engine is needed then.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "indexer/database/schema",
  migrations: { path: "indexer/database/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
