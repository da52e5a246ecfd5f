/**
 * New-head notifications over a websocket (`eth_subscribe newHeads`) where the RPC offers one. They
 * only wake the realtime loop early: polling stays the source of truth, so a lost or missing
 * websocket costs latency, never correctness. Reconnects with backoff. Logs name only the
 * endpoint's origin (a provider's key may be in its path).
 */
import { urlOrigin } from "../rpc/client.ts";

export interface HeadSubscription {
  close(): void;
  connected(): boolean;
}

export function wsUrlFor(rpcUrl: string): string | null {
  if (rpcUrl.startsWith("ws://") || rpcUrl.startsWith("wss://")) return rpcUrl;
  if (rpcUrl.startsWith("http://")) return `ws://${rpcUrl.slice(7)}`;
  if (rpcUrl.startsWith("https://")) return `wss://${rpcUrl.slice(8)}`;
  return null;
}

/** The JSON-RPC error code of a refusal (its message may echo the URL). */
const errorCode = (text: string) => {
  try {
    return (JSON.parse(text) as { error?: { code?: number } }).error?.code ?? null;
  } catch {
    return null;
  }
};

export function subscribeHeads(
  url: string,
  onHead: () => void,
  log: (msg: string, fields?: Record<string, unknown>) => void = () => {},
): HeadSubscription {
  let ws: WebSocket | null = null;
  let closed = false;
  let open = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  const connect = () => {
    if (closed) return;
    try {
      ws = new WebSocket(url);
    } catch (error) {
      return retry(error as Error);
    }
    ws.onopen = () => {
      open = true;
      failures = 0;
      ws!.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
      log("websocket head subscription open", { url: urlOrigin(url) });
    };
    ws.onmessage = (m) => {
      const text = String(m.data);
      if (text.includes('"eth_subscription"')) onHead();
      else if (text.includes('"error"')) {
        log("websocket subscription refused; polling only", { url: urlOrigin(url), code: errorCode(text) });
        closed = true;
        ws?.close();
      }
    };
    ws.onclose = () => {
      open = false;
      if (!closed) retry(new Error("closed"));
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  };
  const retry = (error: Error) => {
    failures++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
    if (failures === 1) log("no websocket head subscription; polling", { url: urlOrigin(url), error: error.message });
    timer = setTimeout(connect, delay);
    timer.unref();
  };
  connect();
  return {
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
    connected: () => open,
  };
}
