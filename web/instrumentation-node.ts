/** The Node.js half of instrumentation.ts: stop a production server that lacks its configuration. */
import { createLogger } from "../scripts/lib/log.ts";
import { assertProductionConfig } from "./lib/env.ts";

export function refuseToStartMisconfigured() {
  try {
    assertProductionConfig();
  } catch (e) {
    // Next only logs an error thrown by register() and serves anyway: stop the process instead.
    createLogger({ component: "web" }).error((e as Error).message);
    process.exit(1);
  }
}
