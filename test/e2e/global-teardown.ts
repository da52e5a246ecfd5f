import { findLeakedSecrets } from "./secrets-check.ts";
import { readStack, stopStack } from "./stack.ts";

export default async function globalTeardown() {
  if (process.env.E2E_REUSE === "1" || process.env.E2E_KEEP_STACK === "1") return;
  const info = readStack();
  const secrets = await findLeakedSecrets(info).catch((e: Error) => ({ checked: 0, leaked: [`(the check failed: ${e.message})`] }));
  await stopStack(info);
  if (secrets.leaked.length) throw new Error(`secrets in the stack's logs: ${secrets.leaked.join(", ")}`);
  console.log(`logs checked for ${secrets.checked} secrets (KEK, relayer key, custodial keys): none found`);
}
