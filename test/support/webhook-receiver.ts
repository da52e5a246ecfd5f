/** A real HTTP receiver of webhooks on 127.0.0.1, in this process: records every request it gets. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Decides the answer to each request (default 200); may throw to drop the connection. */
  respond: ((r: Received) => number | Promise<number>) | null;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: "", received: [], respond: null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const r: Received = { path: req.url ?? "/", headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body: Buffer.concat(chunks).toString("utf8") };
      receiver.received.push(r);
      try {
        const status = receiver.respond ? await receiver.respond(r) : 200;
        res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return receiver;
}
