import { readStack, stopStack } from "./stack.ts";

export default async function globalTeardown() {
  if (process.env.E2E_REUSE === "1" || process.env.E2E_KEEP_STACK === "1") return;
  await stopStack(readStack());
}
