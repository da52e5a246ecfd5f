import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
process.env.SESSION_SECRET = randomBytes(24).toString("hex");
process.env.CHAIN_ID = "31337";
process.env.APP_URL = "https://loyalty.example";
delete process.env.DATABASE_URL;

const { route } = await import("./route.ts");
const { HttpError, ServiceUnavailableError } = await import("./errors.ts");
const { fail, ok } = await import("./result.ts");
const { MAX_BODY_BYTES } = await import("./body.ts");
const { encodeSession, SESSION_COOKIE } = await import("../auth/session.ts");
const { KekError } = await import("../custody/kek.ts");
const { RelayRejectedError } = await import("../relayer/types.ts");

const SITE = "https://loyalty.example";
const post = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${SITE}/api/x`, { method: "POST", headers: { origin: SITE, "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function read(r: Response) {
  return { status: r.status, body: JSON.parse(await r.text()), requestId: r.headers.get("request-id") };
}

const memberCookie = () => {
  const now = Math.floor(Date.now() / 1000);
  return `${SESSION_COOKIE}=${encodeSession({ address: "0x000000000000000000000000000000000000bEEF", chainId: 31337, kind: "custodial", issuedAt: now, expiresAt: now + 600 })}`;
};

describe("the server edge", () => {
  it("answers a handler's Result as JSON, bigints as decimal strings, with a Request-Id", async () => {
    const echo = route({ auth: "public", handle: async ({ body }) => ok({ got: body, big: 10n ** 30n }, 201) });
    const r = await read(await echo(post({ a: 1 })));
    expect(r).toMatchObject({ status: 201, body: { got: { a: 1 }, big: "1000000000000000000000000000000" } });
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a caller's plain correlation id and replaces anything else", async () => {
    const h = route({ auth: "public", body: false, handle: async () => ok({}) });
    expect((await h(post({}, { "request-id": "till-42:order-9001" }))).headers.get("request-id")).toBe("till-42:order-9001");
    const odd = (await h(post({}, { "request-id": "bad id\u00e9<script>" }))).headers.get("request-id");
    expect(odd).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses bad bodies alike on every route: 415, 413 past MAX_BODY_BYTES, 400 for broken JSON or a __proto__ key", async () => {
    const h = route({ auth: "public", handle: async () => ok({ reached: true }) });
    expect(await read(await h(post({}, { "content-type": "text/plain" })))).toMatchObject({ status: 415, body: { error: { code: "bad_content_type" } } });
    expect(await read(await h(post({ pad: "x".repeat(MAX_BODY_BYTES) })))).toMatchObject({ status: 413, body: { error: { code: "too_large" } } });
    expect(await read(await h(post("{nope")))).toMatchObject({ status: 400, body: { error: { code: "bad_json" } } });
    expect(await read(await h(post('{"a":{"__proto__":{"admin":true}}}')))).toMatchObject({ status: 400, body: { error: { code: "bad_json" } } });
    const larger = route({ auth: "public", body: { maxBytes: 64 * 1024 }, handle: async () => ok({ reached: true }) });
    expect(await read(await larger(post({ pad: "x".repeat(MAX_BODY_BYTES) })))).toMatchObject({ status: 200, body: { reached: true } });
  });

  it("same-origin and member routes refuse writes from another origin, and member routes a missing session", async () => {
    const form = route({ auth: "same-origin", handle: async () => ok({}) });
    expect(await read(await form(post({}, { origin: "https://evil.example" })))).toMatchObject({ status: 403, body: { error: { code: "cross_origin" } } });
    expect((await form(post({}))).status).toBe(200);
    const member = route({ auth: "member", handle: async ({ session }) => ok({ address: session.address }) });
    expect(await read(await member(post({}, { cookie: memberCookie(), origin: "https://evil.example" })))).toMatchObject({ status: 403 });
    expect(await read(await member(post({})))).toMatchObject({ status: 401, body: { error: { code: "signed_out" } } });
    expect(await read(await member(post({}, { cookie: `${SESSION_COOKIE}=forged.value` })))).toMatchObject({ status: 401 });
    expect(await read(await member(post({}, { cookie: memberCookie() })))).toMatchObject({ status: 200, body: { address: "0x000000000000000000000000000000000000bEEF" } });
  });

  it("maps thrown errors by class: their status, code and public words, never their detail", async () => {
    const throwing = (e: unknown) => route({ auth: "public", body: false, handle: async () => { throw e; } });
    const kek = await read(await throwing(new KekError("KEY_ENCRYPTION_KEY is not set"))(post({})));
    expect(kek).toMatchObject({ status: 503, body: { error: { code: "custody_unavailable" } } });
    expect(JSON.stringify(kek.body)).not.toContain("KEY_ENCRYPTION_KEY");
    expect(await read(await throwing(new RelayRejectedError("rate_limited", "too many requests from this address"))(post({})))).toMatchObject({
      status: 429,
      body: { error: { code: "rate_limited", message: "too many requests from this address" } },
    });
    expect(await read(await throwing(new HttpError(409, "conflict", "already done", "row 7 locked"))(post({})))).toEqual({ status: 409, body: { error: { code: "conflict", message: "already done" } }, requestId: expect.any(String) });
    expect(await read(await throwing(new ServiceUnavailableError("x_down", "x is down"))(post({})))).toMatchObject({ status: 503, body: { error: { code: "x_down" } } });
  });

  it("answers any other error with the route's generic answer (500 unless it says otherwise), its text withheld", async () => {
    const secret = "https://rpc.example/v3/SECRETKEY";
    const plain = route({ auth: "public", body: false, handle: async () => { throw new Error(`fetch ${secret} failed`); } });
    const r = await read(await plain(post({})));
    expect(r).toMatchObject({ status: 500, body: { error: { code: "internal" } } });
    expect(JSON.stringify(r.body)).not.toContain("SECRETKEY");
    const proxy = route({ auth: "public", body: false, unexpected: fail(502, "rpc_unavailable", "the chain could not be reached"), handle: async () => { throw new TypeError("boom"); } });
    expect(await read(await proxy(post({})))).toMatchObject({ status: 502, body: { error: { code: "rpc_unavailable" } } });
  });

  it("an API route without a key is refused before its body is read", async () => {
    let reached = false;
    const api = route({ auth: "api", handle: async () => { reached = true; return ok({}); } });
    const r = await read(await api(post({}, { authorization: "" })));
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(reached).toBe(false);
  });
});
