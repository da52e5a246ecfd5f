/**
 * Proxies that break the indexer's connections on demand, in the test's own process, so that faults
 * hit the real network path (real sockets, real timeouts) and nothing is mocked.
 *
 *   const rpc = await rpcFaultProxy(node.url);   // rpc.url for --rpc-url
 *   rpc.set("down");                             // connections refused, as if the node were gone
 *   rpc.set("hang");                             // requests accepted, never answered
 *   rpc.set({ error500: 0.1, drop: 0.05, cut: 0.05, delayMs: 200 }, seed);   // random faults
 *   rpc.set("forward");
 *
 *   const db = await tcpProxy(5432);             // db.port in the DATABASE_URL
 *   db.set("refuse" | "blackhole" | "forward");
 */
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from "node:net";
import { freePort } from "./hardhat-node.ts";
import { rng } from "./program.ts";

export interface RpcFaults {
  /** Probability that a request answers HTTP 500 with a non-JSON body. */
  error500?: number;
  /** Probability that the connection is destroyed without an answer. */
  drop?: number;
  /** Probability that the answer is cut in the middle of its body. */
  cut?: number;
  /** Probability that a request is held and never answered. */
  hang?: number;
  /** Random delay before forwarding, up to this many milliseconds. */
  delayMs?: number;
}

export type RpcMode = "forward" | "down" | "hang" | RpcFaults;

export interface RpcFaultProxy {
  url: string;
  port: number;
  set(mode: RpcMode, seed?: number): Promise<void>;
  mode(): RpcMode;
  /** Requests seen, answered normally, and faulted. */
  stats: { requests: number; forwarded: number; faulted: number };
  close(): Promise<void>;
}

/** An HTTP JSON-RPC proxy to `target` whose faults are switched at run time. */
export async function rpcFaultProxy(target: string, options: { path?: string } = {}): Promise<RpcFaultProxy> {
  const port = await freePort();
  let mode: RpcMode = "forward";
  let random = rng(1);
  let server: Server | null = null;
  const held = new Set<ServerResponse>();
  const stats = { requests: 0, forwarded: 0, faulted: 0 };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, cut: boolean) => {
    const fwd = request(target, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (r) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => {
        const all = Buffer.concat(chunks);
        if (cut) {
          // Headers promise the whole body; half of it arrives, then the connection dies.
          res.writeHead(r.statusCode ?? 502, { "content-type": "application/json", "content-length": String(all.length) });
          res.write(all.subarray(0, Math.floor(all.length / 2)));
          setTimeout(() => res.destroy(), 5);
          return;
        }
        stats.forwarded++;
        res.writeHead(r.statusCode ?? 502, { "content-type": r.headers["content-type"] ?? "application/json" });
        res.end(all);
      });
    });
    fwd.on("error", () => res.destroy());
    fwd.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      stats.requests++;
      const body = Buffer.concat(chunks);
      const m = mode;
      if (m === "hang") {
        stats.faulted++;
        held.add(res);
        res.on("close", () => held.delete(res));
        return;
      }
      if (m === "forward" || m === "down") return forward(req, res, body, false);
      const x = random();
      let edge = 0;
      if (x < (edge += m.error500 ?? 0)) {
        stats.faulted++;
        res.writeHead(500, { "content-type": "text/plain" });
        return res.end("upstream error");
      }
      if (x < (edge += m.drop ?? 0)) {
        stats.faulted++;
        return res.destroy();
      }
      if (x < (edge += m.hang ?? 0)) {
        stats.faulted++;
        held.add(res);
        res.on("close", () => held.delete(res));
        return;
      }
      const cut = x < (edge += m.cut ?? 0);
      if (cut) stats.faulted++;
      const delay = m.delayMs ? Math.floor(random() * m.delayMs) : 0;
      if (delay) setTimeout(() => forward(req, res, body, cut), delay);
      else forward(req, res, body, cut);
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createHttpServer(handle);
      s.keepAliveTimeout = 1_000;
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.closeAllConnections();
      s.close(() => resolve());
    });
  const release = () => {
    for (const res of held) res.destroy();
    held.clear();
  };

  await listen();
  return {
    url: `http://127.0.0.1:${port}${options.path ?? ""}`,
    port,
    stats,
    mode: () => mode,
    async set(next, seed = 1) {
      random = rng(seed);
      if (next !== "hang" && (typeof next !== "object" || !next.hang)) release();
      if (next === "down") await shut();
      else if (!server) await listen();
      mode = next;
    },
    async close() {
      release();
      await shut();
    },
  };
}

export type TcpMode = "forward" | "refuse" | "blackhole";

export interface TcpProxy {
  port: number;
  set(mode: TcpMode): Promise<void>;
  mode(): TcpMode;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`targetPort`. "refuse": nothing listens (connection refused, as when the
 * server is down); "blackhole": connections are accepted and bytes stop flowing both ways, closes
 * included (a network partition: TCP would deliver them once it heals, and so does "forward").
 */
export async function tcpProxy(targetPort: number, initial: TcpMode = "forward"): Promise<TcpProxy> {
  const port = await freePort();
  let mode: TcpMode = initial;
  let server: TcpServer | null = null;
  let accepted = 0;
  const pairs = new Set<{ a: Socket; b: Socket | null; deferred: (() => void)[] }>();

  const wire = (pair: { a: Socket; b: Socket | null; deferred: (() => void)[] }) => {
    const b = connect(targetPort, "127.0.0.1");
    pair.b = b;
    const later = (fn: () => void) => (mode === "blackhole" ? pair.deferred.push(fn) : fn());
    pair.a.on("data", (c) => b.write(c));
    b.on("data", (c) => pair.a.write(c));
    pair.a.on("end", () => later(() => b.end()));
    b.on("end", () => later(() => pair.a.end()));
    pair.a.on("close", () => later(() => { b.destroy(); pairs.delete(pair); }));
    b.on("close", () => later(() => { pair.a.destroy(); pairs.delete(pair); }));
    pair.a.on("error", () => {});
    b.on("error", () => {});
    if (mode === "blackhole") {
      pair.a.pause();
      b.pause();
    } else pair.a.resume();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createTcpServer({ pauseOnConnect: true }, (a) => {
        accepted++;
        const pair = { a, b: null as Socket | null, deferred: [] as (() => void)[] };
        pairs.add(pair);
        a.on("error", () => {});
        if (mode === "blackhole") return; // wired when the network heals
        wire(pair);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      for (const p of pairs) {
        p.a.destroy();
        p.b?.destroy();
      }
      pairs.clear();
      if (!s) return resolve();
      s.close(() => resolve());
    });

  if (initial !== "refuse") await listen();
  return {
    port,
    mode: () => mode,
    connections: () => accepted,
    async set(next) {
      const previous = mode;
      mode = next;
      if (next === "refuse") return shut();
      if (!server) await listen();
      if (next === "forward" && previous === "blackhole") {
        for (const p of [...pairs]) {
          if (!p.b) wire(p);
          else {
            p.a.resume();
            p.b.resume();
          }
          for (const fn of p.deferred.splice(0)) fn();
        }
      } else if (next === "blackhole") {
        for (const p of pairs) {
          p.a.pause();
          p.b?.pause();
        }
      }
    },
    close: shut,
  };
}
