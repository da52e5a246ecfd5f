/** HTTP probes and metrics: /health (the process runs), /ready (503 until caught up), /metrics (Prometheus). */
import { createServer, type Server } from "node:http";

export interface IndexerStatus {
  phase: "starting" | "standby" | "backfill" | "realtime" | "retrying";
  chainHead: bigint | null;
  indexedBlock: bigint | null;
  finalizedBlock: bigint | null;
  eventsApplied: bigint;
  reorgs: number;
  rpcRequests: number;
  lastError: string | null;
  startedAt: number;
}

export function isReady(s: IndexerStatus) {
  return s.phase === "realtime" && s.chainHead !== null && s.indexedBlock !== null && s.chainHead - s.indexedBlock <= 1n;
}

export function metricsText(s: IndexerStatus) {
  const g = (name: string, help: string, value: bigint | number | null, type = "gauge") =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value === null ? "NaN" : value.toString()}\n`;
  const lag = s.chainHead !== null && s.indexedBlock !== null ? s.chainHead - s.indexedBlock : null;
  return [
    g("indexer_chain_head_block", "Latest block number reported by the RPC.", s.chainHead),
    g("indexer_indexed_block", "Last block applied to the mirror.", s.indexedBlock),
    g("indexer_finalized_block", "Highest block marked final.", s.finalizedBlock),
    g("indexer_lag_blocks", "Chain head minus indexed block.", lag),
    g("indexer_events_applied_total", "Contract events applied to the mirror (net of reorgs).", s.eventsApplied, "counter"),
    g("indexer_reorgs_total", "Reorgs handled since start.", s.reorgs, "counter"),
    g("indexer_rpc_requests_total", "JSON-RPC HTTP requests sent since start.", s.rpcRequests, "counter"),
    g("indexer_ready", "1 when caught up with the chain head.", isReady(s) ? 1 : 0),
    g("indexer_writer", "1 when this process holds the writer lock.", s.phase === "backfill" || s.phase === "realtime" ? 1 : 0),
  ].join("");
}

export function startServer(status: () => IndexerStatus, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    const s = status();
    const path = (req.url ?? "/").split("?")[0];
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    };
    if (path === "/health") return json(200, { ok: true, phase: s.phase, lastError: s.lastError });
    if (path === "/ready") {
      const ready = isReady(s);
      return json(ready ? 200 : 503, { ready, phase: s.phase, chainHead: s.chainHead, indexedBlock: s.indexedBlock });
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      return res.end(metricsText(s));
    }
    json(404, { error: "not found", routes: ["/health", "/ready", "/metrics"] });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
