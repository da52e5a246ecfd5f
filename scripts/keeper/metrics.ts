/**
 * The keeper's probes: /health (JSON: phase, last run, last error) and /metrics (Prometheus text,
 * prom-client), on their own port (KEEPER_PORT, 42070). One registry per keeper, so that several
 * keepers in one process (the tests) never share counters.
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import { stringify } from "viem";

export type KeeperPhase = "starting" | "idle" | "running" | "standby" | "stopped";

export interface KeeperHealth {
  phase: KeeperPhase;
  signer: string;
  lastRunAt: string | null;
  lastRun: unknown;
  lastError: string | null;
}

export class KeeperMetrics {
  readonly registry = new Registry();
  readonly runs = new Counter({ name: "keeper_runs_total", help: "Keeper passes, by result (done, standby: another keeper held the lock, paused, error)", labelNames: ["result"], registers: [this.registry] });
  readonly expiries = new Counter({
    name: "keeper_expiries_total",
    help: "Candidates handled, by outcome (confirmed, reverted, active_on_chain, already_claimed, simulation_failed, not_sent)",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly pointsExpired = new Counter({ name: "keeper_points_expired_total", help: "Points burnt by the keeper's confirmed expiries", registers: [this.registry] });
  readonly gasUsed = new Counter({ name: "keeper_gas_used_total", help: "Gas used by the keeper's mined transactions", registers: [this.registry] });
  readonly candidates = new Gauge({ name: "keeper_candidates", help: "Candidates the mirror gave at the last pass", registers: [this.registry] });
  readonly budgetExhausted = new Counter({ name: "keeper_budget_exhausted_total", help: "Passes stopped by a budget, by which (run_count, run_gas, day_count, day_gas)", labelNames: ["budget"], registers: [this.registry] });
  readonly dayCount = new Gauge({ name: "keeper_day_expiries", help: "Expiries sent in the last 24 hours (the daily count budget)", registers: [this.registry] });
  readonly dayGas = new Gauge({ name: "keeper_day_gas", help: "Gas used or reserved in the last 24 hours (the daily gas budget)", registers: [this.registry] });
  readonly signerBalance = new Gauge({ name: "keeper_signer_balance_wei", help: "Ether held by the keeper's signer (wei), which pays for expiries", registers: [this.registry] });
  readonly lastRun = new Gauge({ name: "keeper_last_run_timestamp_seconds", help: "When the last pass ended (unix seconds)", registers: [this.registry] });
}

export function startKeeperServer(metrics: KeeperMetrics, health: () => KeeperHealth, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") {
      const h = health();
      res.writeHead(h.phase === "stopped" ? 503 : 200, { "content-type": "application/json" });
      return res.end(stringify({ ok: h.phase !== "stopped", ...h }));
    }
    if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(text);
        },
        (error: Error) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(stringify({ code: "metrics_failed", message: error.message }));
        },
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(stringify({ code: "not_found", message: "routes: /health, /metrics" }));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
