/**
 * The web server's edge, attacked: oversized and endless bodies, JSON with __proto__, the read-only
 * RPC proxy used as a free node (other contracts, balances, state overrides, floods), pages without
 * a Content-Security-Policy, and errors or logs that give away the RPC provider's URL (its API key
 * in the path). Against the real stack; the web server's RPC URL carries a secret path, as a
 * provider's does.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData, erc20Abi } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import { Browser, startWebStack, type WebStack } from "../support/web.ts";

const PROVIDER_KEY = `k${randomBytes(16).toString("hex")}`;
const RPC_PER_MINUTE = 40;
let w: WebStack;
let site: string;

beforeAll(async () => {
  w = await startWebStack({
    logName: "adversarial-edge-logs.txt",
    webEnv: ({ rpcUrl }) => ({ RPC_URL: `${rpcUrl}/v3/${PROVIDER_KEY}`, RPC_RATE_PER_MINUTE: String(RPC_PER_MINUTE) }),
  });
  site = w.stack.webUrl;
}, 600_000);

afterAll(async () => {
  const logs = w?.logs() ?? "";
  await w?.stop();
  // Whatever happened above, the provider's key never reached a log.
  expect(logs).not.toContain(PROVIDER_KEY);
}, 60_000);

/** A 64 MiB body in 64 KiB chunks without Content-Length (as if it never ended); `sent()` counts what was pulled. */
function huge() {
  const chunk = new TextEncoder().encode(`{"message":"${"a".repeat(65_524)}`);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 64 * 1024 * 1024) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, sent: () => sent };
}

/** Its status, and how much of the 64 MiB had been sent when the answer came. */
async function postStream(path: string) {
  const body = huge();
  const r = await fetch(`${site}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: site },
    body: body.stream,
    duplex: "half",
    signal: AbortSignal.timeout(30_000),
  } as RequestInit);
  const sent = body.sent();
  await body.stream.cancel().catch(() => {});
  return { status: r.status, sent };
}

describe("bodies", () => {
  it("every JSON route stops reading past its limit: 413 for an oversized body, and for one that never ends", async () => {
    const big = JSON.stringify({ message: "a".repeat(2 * 1024 * 1024), signature: "0x00" });
    for (const path of ["/api/auth/verify", "/api/auth/login", "/api/rpc", "/api/relay", "/api/v1/purchases"]) {
      const r = await fetch(`${site}${path}`, { method: "POST", headers: { "content-type": "application/json", origin: site }, body: big });
      expect(r.status, path).toBe(path === "/api/v1/purchases" ? 401 : path === "/api/relay" ? 401 : 413);
    }
    // Answered long before the whole body was sent: the server stopped reading at its limit.
    for (const path of ["/api/auth/verify", "/api/rpc"]) {
      const r = await postStream(path);
      expect(r.status, path).toBe(413);
      expect(r.sent, path).toBeLessThan(16 * 1024 * 1024);
    }
  }, 60_000);

  it("refuses JSON that carries a __proto__ key, wherever it is nested", async () => {
    const b = new Browser(site);
    for (const raw of [
      `{"email":"proto@shop.example","password":"long enough password","__proto__":{"admin":true}}`,
      `{"email":"proto@shop.example","password":"long enough password","consent":{"__proto__":{"marketing":true}}}`,
    ]) {
      const r = await b.fetch("/api/auth/signup", { method: "POST", headers: { "content-type": "application/json", origin: site }, body: raw });
      expect(r.status, raw).toBe(400);
      expect(r.body.error.code).toBe("bad_json");
    }
  });
});

describe("the read-only RPC proxy (/api/rpc)", () => {
  const rpc = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${site}/api/rpc`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }));
  const call = (method: string, params: unknown[] = [], id = 1) => ({ jsonrpc: "2.0", id, method, params });
  const balanceOf = () => encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "balanceOf", args: [privateKeyToAccount(generatePrivateKey()).address] });

  it("answers the program's reads", async () => {
    const r = await rpc([call("eth_chainId"), call("eth_blockNumber", [], 2), call("eth_call", [{ to: w.points, data: balanceOf() }, "latest"], 3)]);
    expect(r.status).toBe(200);
    expect(r.body.map((x: any) => x.id)).toEqual([1, 2, 3]);
    expect(r.body[2].result).toMatch(/^0x0+$/);
  });

  it("is no free node: other contracts, balances, state overrides, writes, unbounded logs are refused", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const refused = [
      call("eth_call", [{ to: stranger, data: encodeFunctionData({ abi: erc20Abi, functionName: "totalSupply" }) }, "latest"]),
      call("eth_call", [{ data: "0x6000" }, "latest"]), // a contract creation: runs any code
      call("eth_call", [{ to: w.points, data: balanceOf() }, "latest", { [w.points]: { code: "0x00" } }]), // state override
      call("eth_estimateGas", [{ to: stranger, data: "0x" }]),
      call("eth_getBalance", [stranger, "latest"]),
      call("eth_getCode", [stranger, "latest"]),
      call("eth_getStorageAt", [w.points, "0x0", "latest"]),
      call("eth_sendRawTransaction", ["0x00"]),
      call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }]), // every contract's logs
      call("eth_getLogs", [{ address: w.points, fromBlock: "0x0", toBlock: "0xffffff" }]), // an unbounded range
      call("debug_traceTransaction", ["0x" + "00".repeat(32)]),
      call("eth_getBlockByNumber", ["latest", true]), // whole blocks of transactions
      { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: "not a list" },
    ];
    for (const c of refused) {
      const r = await rpc(c);
      expect(r.status, JSON.stringify(c)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });

  it("is rate-limited per client address, with Retry-After, whatever X-Forwarded-For it claims", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await rpc(Array.from({ length: 10 }, (_, k) => call("eth_blockNumber", [], k)), { "x-forwarded-for": `203.0.113.${i}` });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get("retry-after");
    }
    // Earlier tests used some of this minute's calls; within 40 calls, then refused.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(RPC_PER_MINUTE / 10);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });
});

describe("Content-Security-Policy", () => {
  it("every page has one: scripts only with this response's nonce, no plugins, no framing, no foreign forms", async () => {
    for (const path of ["/", "/member", "/merchant", "/audit", "/login", "/signup", "/member/privacy", `/tx/0x${"ab".repeat(32)}`, "/no-such-page"]) {
      const r = await fetch(`${site}${path}`);
      const csp = r.headers.get("content-security-policy");
      expect(csp, path).toBeTruthy();
      const nonce = /'nonce-([^']+)'/.exec(csp!)?.[1];
      expect(nonce, `${path}: ${csp}`).toBeTruthy();
      for (const directive of ["object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "default-src 'self'"]) expect(csp, path).toContain(directive);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      // Every script the page carries has this response's nonce (the framework's own included).
      const html = await r.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const s of scripts) expect(s, path).toContain(`nonce="${nonce}"`);
    }
    // A fresh nonce per response.
    const [a, b] = await Promise.all([fetch(`${site}/`), fetch(`${site}/`)]);
    expect(a.headers.get("content-security-policy")).not.toBe(b.headers.get("content-security-policy"));
  });
});

describe("host header injection", () => {
  it("the OpenAPI document (publicly cached) names this site's configured origin, whatever Host or X-Forwarded-Host say", async () => {
    for (const headers of [{ host: "evil.example" }, { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" }, { forwarded: "host=evil.example" }]) {
      const r = await fetch(`${site}/api/v1/openapi.json`, { headers });
      const doc = (await r.json()) as { servers: { url: string }[] };
      expect(doc.servers.map((s) => s.url), JSON.stringify(headers)).toEqual([site]);
    }
  });
});

describe("no provider URL in a response or a log", () => {
  it("the public audit report answers generic errors when the chain fails, and logs only the RPC's origin", async () => {
    // The provider goes away (or answers errors): what the public sees.
    process.kill(-w.stack.pids[0]!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    for (const path of ["/api/audit/report", "/api/audit/report?mirror=1", "/api/audit/report?file=report.json"]) {
      const r = await fetch(`${site}${path}`);
      const text = await r.text();
      expect(r.status, path).toBeGreaterThanOrEqual(500);
      expect(text, path).not.toContain(PROVIDER_KEY);
      expect(text, path).not.toContain("/v3/");
      expect(JSON.parse(text).error.code).toMatch(/^[a-z_]+$/);
    }
    await w.db.query(`DELETE FROM auth_rate_limits WHERE key LIKE 'rpc:%'`); // the flood above is forgotten
    const r = await fetch(`${site}/api/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    const text = await r.text();
    expect(r.status).toBe(502);
    expect(text).not.toContain(PROVIDER_KEY);
    // The server's logs name the failure and the RPC's origin only.
    await new Promise((res) => setTimeout(res, 300));
    expect(w.logs()).not.toContain(PROVIDER_KEY);
  }, 120_000);
});
