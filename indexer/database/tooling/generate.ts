/**
 * `npm run build:db`: generates the Prisma client (indexer/database/generated/) offline. Generation
 * itself is WebAssembly; the CLI only insists that a schema engine binary exists, so we point it at
 * a placeholder file when none is configured.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

let engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
if (!engine || !existsSync(engine)) {
  const dir = path.join(os.tmpdir(), "prisma-offline");
  mkdirSync(dir, { recursive: true });
  engine = path.join(dir, "schema-engine-placeholder");
  if (!existsSync(engine)) writeFileSync(engine, "#!/bin/sh\necho 'no native schema engine here: see indexer/database/tooling' >&2\nexit 1\n", { mode: 0o755 });
}
const result = spawnSync(process.execPath, [path.join("node_modules", "prisma", "build", "index.js"), "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
});
process.exit(result.status ?? 1);
