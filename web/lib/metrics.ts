/**
 * The web app's Prometheus metrics (GET /metrics): the relayer's ether balance, its transactions
 * signed and not yet mined, and the hourly gas budget of members' requests (spent and the cap), read
 * at each scrape. Who may scrape: with METRICS_TOKEN set, a request carrying
 * `Authorization: Bearer <METRICS_TOKEN>`; without it, only this machine (loopback), as the client
 * address is known (web/lib/client-ip.ts). The figures say when the relayer can be starved, so they
 * are not public.
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { Gauge, Registry } from "prom-client";
import { clientIp, isLoopback } from "./client-ip.ts";
import { relayer, relayerAddress, relayerClient } from "./relayer/index.ts";

const g = globalThis as unknown as { __metrics?: Registry };

function registry(): Registry {
  if (g.__metrics) return g.__metrics;
  const r = new Registry();
  const configured = () => relayerAddress() !== null;
  new Gauge({
    name: "relayer_balance_wei",
    help: "Ether held by the relayer account (wei); it pays the gas of members' actions and purchases",
    registers: [r],
    async collect() {
      const address = relayerAddress();
      if (address) this.set(Number(await relayerClient().getBalance({ address })));
    },
  });
  new Gauge({
    name: "relayer_pending_transactions",
    help: "Transactions the relayer signed that are not mined yet (queued or sent)",
    registers: [r],
    async collect() {
      if (configured()) this.set(await relayer().pendingCount());
    },
  });
  const budget = async () => (configured() ? relayer().budgetUse() : null);
  new Gauge({
    name: "relayer_forward_gas_budget_used",
    help: "Gas of members' relayed requests spent or reserved in the current budget window",
    registers: [r],
    async collect() {
      const b = await budget();
      if (b) this.set(Number(b.usedGas));
    },
  });
  new Gauge({
    name: "relayer_forward_gas_budget_max",
    help: "The gas budget of members' relayed requests per window",
    labelNames: ["window_seconds"],
    registers: [r],
    async collect() {
      const b = await budget();
      if (b) this.set({ window_seconds: String(b.windowSeconds) }, Number(b.maxGas));
    },
  });
  g.__metrics = r;
  return r;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Whether `request` may read the metrics (see above). */
export function mayScrape(request: Request): boolean {
  const token = process.env.METRICS_TOKEN;
  if (!token) return isLoopback(clientIp(request));
  const m = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/** The metrics in Prometheus' text format. */
export async function metricsText(): Promise<{ text: string; contentType: string }> {
  const r = registry();
  return { text: await r.metrics(), contentType: r.contentType };
}
