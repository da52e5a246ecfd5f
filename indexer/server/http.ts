/**
 * HTTP probes and metrics: /health (the process runs; its phase and last error), /ready (200 only
 * while the mirror is known to be current, see readiness), /metrics (Prometheus).
 */
import { createServer, type Server } from "node:http";
import { stringify } from "viem";

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
  /** When (Date.now()) the head of the last completed check of the mirror against the chain was asked for. */
  checkedAt: number | null;
  /** That head. */
  checkedHead: bigint | null;
}

/** Ready means: the mirror was checked against a head fetched at most `maxAgeMs` ago, and is at most `maxLag` blocks behind it. */
export interface ReadyPolicy {
  maxAgeMs: number;
  maxLag: number;
}

export const DEFAULT_READY_POLICY: ReadyPolicy = { maxAgeMs: 10_000, maxLag: 1 };

export interface Readiness {
  ready: boolean;
  /** Why not, in words (null when ready). */
  reason: string | null;
  /** Age of the last check (ms), and how far behind its head the mirror was. */
  checkedAgoMs: number | null;
  lag: bigint | null;
}

/**
 * Not the indexer's last-seen head against its cursor (a stalled indexer sees no new head, and would
 * stay "ready" while the chain runs away): a check of the mirror against a fresh head must have
 * completed recently, or the indexer is stuck on its RPC or its database and readers must be told.
 */
export function readiness(s: IndexerStatus, policy: ReadyPolicy = DEFAULT_READY_POLICY, now = Date.now()): Readiness {
  const checkedAgoMs = s.checkedAt === null ? null : now - s.checkedAt;
  const lag = s.checkedHead !== null && s.indexedBlock !== null ? s.checkedHead - s.indexedBlock : null;
  let reason: string | null = null;
  if (s.phase !== "realtime") reason = `not following the head (${s.phase})`;
  else if (checkedAgoMs === null || lag === null) reason = "not checked against the chain head yet";
  else if (checkedAgoMs > policy.maxAgeMs) reason = `last checked against the chain head ${(checkedAgoMs / 1000).toFixed(1)} s ago (limit ${policy.maxAgeMs / 1000} s)`;
  else if (lag > BigInt(policy.maxLag)) reason = `${lag} blocks behind the chain head (limit ${policy.maxLag})`;
  return { ready: reason === null, reason, checkedAgoMs, lag };
}

export function metricsText(s: IndexerStatus, policy: ReadyPolicy = DEFAULT_READY_POLICY, now = Date.now()) {
  const g = (name: string, help: string, value: bigint | number | null, type = "gauge") =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value === null ? "NaN" : value.toString()}\n`;
  const lag = s.chainHead !== null && s.indexedBlock !== null ? s.chainHead - s.indexedBlock : null;
  const r = readiness(s, policy, now);
  return [
    g("indexer_chain_head_block", "Latest block number reported by the RPC.", s.chainHead),
    g("indexer_indexed_block", "Last block applied to the mirror.", s.indexedBlock),
    g("indexer_finalized_block", "Highest block marked final.", s.finalizedBlock),
    g("indexer_lag_blocks", "Chain head minus indexed block.", lag),
    g("indexer_check_age_seconds", "Seconds since the head of the last completed check of the mirror against the chain was fetched.", r.checkedAgoMs === null ? null : r.checkedAgoMs / 1000),
    g("indexer_events_applied_total", "Contract events applied to the mirror (net of reorgs).", s.eventsApplied, "counter"),
    g("indexer_reorgs_total", "Reorgs handled since start.", s.reorgs, "counter"),
    g("indexer_rpc_requests_total", "JSON-RPC HTTP requests sent since start.", s.rpcRequests, "counter"),
    g("indexer_ready", "1 when /ready answers 200.", r.ready ? 1 : 0),
    g("indexer_writer", "1 when this process holds the writer lock.", s.phase === "backfill" || s.phase === "realtime" ? 1 : 0),
  ].join("");
}

export function startServer(status: () => IndexerStatus, port: number, host = "127.0.0.1", policy: ReadyPolicy = DEFAULT_READY_POLICY): Promise<Server> {
  const server = createServer((req, res) => {
    const s = status();
    const path = (req.url ?? "/").split("?")[0];
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(stringify(body));
    };
    if (path === "/health") return json(200, { ok: true, phase: s.phase, lastError: s.lastError });
    if (path === "/ready") {
      const r = readiness(s, policy);
      return json(r.ready ? 200 : 503, {
        ready: r.ready, reason: r.reason, phase: s.phase, chainHead: s.chainHead, indexedBlock: s.indexedBlock,
        checkedHead: s.checkedHead, checkedAgoMs: r.checkedAgoMs,
      });
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      return res.end(metricsText(s, policy));
    }
    json(404, { error: "not found", routes: ["/health", "/ready", "/metrics"] });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
