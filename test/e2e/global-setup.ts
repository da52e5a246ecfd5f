import { existsSync } from "node:fs";
import { readStack, startStack, STATE_FILE } from "./stack.ts";

export default async function globalSetup() {
  // E2E_REUSE=1: run against a stack already started with `npx tsx test/e2e/stack.ts`.
  if (process.env.E2E_REUSE === "1" && existsSync(STATE_FILE)) {
    const info = readStack();
    if (await fetch(`${info.webUrl}/api/stats`).then((r) => r.ok, () => false)) return;
  }
  const started = Date.now();
  const info = await startStack();
  console.log(`e2e stack ready in ${Math.round((Date.now() - started) / 1000)} s: web ${info.webUrl}, chain ${info.rpcUrl}, database ${info.databaseName}`);
}
