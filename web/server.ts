/**
 * The production web server (`npm run start:web`, the e2e and benchmark stacks): Next's own request
 * handler behind one rule about forwarded headers, which `next start` lacks. `next start` keeps a
 * client's X-Forwarded-For / X-Forwarded-Host when present, so a client talking to it directly
 * chooses the address every per-IP limit counts. Here, unless TRUST_PROXY says proxies in front
 * append to them (web/lib/env.ts), the forwarded headers a client sent are dropped and
 * X-Forwarded-For is the socket's address.
 *
 * It refuses to start without APP_URL and SESSION_SECRET (web/lib/env.ts): a production server never
 * takes its origin from request headers, nor signs sessions with a per-process random key.
 *
 *   node web/server.ts [--port 3000] [--hostname 0.0.0.0]
 */
import { createServer, type IncomingMessage } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLogger } from "../scripts/lib/log.ts";
import { assertProductionConfig, trustedProxyHops } from "./lib/env.ts";

(process.env as Record<string, string>).NODE_ENV = "production";

const { values } = parseArgs({ options: { port: { type: "string", default: process.env.PORT ?? "3000" }, hostname: { type: "string", default: process.env.HOSTNAME ?? "0.0.0.0" } } });
const port = Number(values.port);
const log = createLogger({ component: "web" });

try {
  assertProductionConfig();
} catch (e) {
  log.error((e as Error).message);
  process.exit(1);
}

const FORWARDED = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "x-original-host"];
const hops = trustedProxyHops();

/** Without trusted proxies, what a client claims about itself is dropped; its socket is the truth. */
function dropClientClaims(req: IncomingMessage) {
  if (hops > 0) return;
  for (const h of FORWARDED) delete req.headers[h];
  req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
}

// Next and React read NODE_ENV when they load: imported only now.
const { default: next } = await import("next");
const app = next({ dev: false, dir: path.dirname(fileURLToPath(import.meta.url)), hostname: values.hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  dropClientClaims(req);
  void handle(req, res);
});
server.listen(port, values.hostname, () => {
  log.info("ready", { url: `http://${values.hostname}:${port}`, trustedProxies: hops });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.close(() => process.exit(0)));
