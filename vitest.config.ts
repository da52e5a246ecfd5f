import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// TypeScript suites other than the Hardhat contract tests (test/contracts, run by `hardhat test`).
export default defineConfig({
  // The web app's "@/…" imports (web/tsconfig.json), so that tests can call its route handlers.
  resolve: { alias: [{ find: /^@\//, replacement: fileURLToPath(new URL("./web/", import.meta.url)) }] },
  test: {
    include: ["contracts/spec/**/*.test.ts", "indexer/**/*.test.ts", "scripts/**/*.test.ts", "web/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/contracts/**", "test/e2e/**", "web/.next/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start their own Hardhat nodes and databases; two cores cannot run many at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
