/** The Node.js half of instrumentation.ts: stop a production server that lacks its configuration. */
import { assertProductionConfig } from "./lib/env.ts";

export function refuseToStartMisconfigured() {
  try {
    assertProductionConfig();
  } catch (e) {
    // Next only logs an error thrown by register() and serves anyway: stop the process instead.
    console.error(JSON.stringify({ level: "error", component: "web", msg: (e as Error).message }));
    process.exit(1);
  }
}
