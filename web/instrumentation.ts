/**
 * Runs once when a server starts: a production server (`next start` too, not only web/server.ts)
 * refuses to serve without APP_URL and SESSION_SECRET (lib/env.ts). Not during `next build`.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NODE_ENV !== "production" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { refuseToStartMisconfigured } = await import("./instrumentation-node.ts");
  refuseToStartMisconfigured();
}
