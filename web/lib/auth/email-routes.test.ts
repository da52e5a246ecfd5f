/**
 * The email-trust routes as a browser calls them (their route() handlers, with real Requests),
 * against a real Postgres, the real mail worker and a real SMTP server in this process.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../scripts/lib/log.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { startSmtpServer, type TestSmtpServer } from "../../../test/support/smtp.ts";

vi.mock("server-only", () => ({}));
const SITE = "https://loyalty.example";
process.env.SESSION_SECRET = randomBytes(24).toString("hex");
process.env.KEY_ENCRYPTION_KEY = randomBytes(32).toString("hex");
process.env.CHAIN_ID = "31337";
process.env.APP_URL = SITE;

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`${SITE}${path}`, { method: "POST", headers: { origin: SITE, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const read = async (r: Response) => ({ status: r.status, body: JSON.parse(await r.text()), cookies: r.headers.getSetCookie() });

describe("email-trust routes", () => {
  const suite = useTestDatabase();
  let smtp: TestSmtpServer;
  let stopWorker: () => Promise<void>;
  let routes: Record<"signup" | "verify" | "resend" | "forgot" | "reset" | "logoutAll", (r: Request) => Promise<Response>>;

  beforeAll(async () => {
    process.env.DATABASE_URL = suite.db.url;
    smtp = await startSmtpServer();
    const { startMailWorker } = await import("../mail/worker.ts");
    const { smtpTransport } = await import("../mail/transport.ts");
    const smtpSettings = { host: "127.0.0.1", port: smtp.port, secure: false };
    const worker = await startMailWorker({
      databaseUrl: suite.db.url,
      transport: smtpTransport(smtpSettings),
      settings: { smtp: smtpSettings, from: "Fidélité <no-reply@loyalty.example>", programme: "Fidélité", appOrigin: SITE },
      log: createLogger({ component: "mail-test" }, { level: "warn" }),
      pollingIntervalSeconds: 0.5,
      maintenanceIntervalSeconds: 1,
    });
    stopWorker = () => worker.stop(5_000);
    routes = {
      signup: (await import("../../app/api/auth/signup/route.ts")).POST,
      verify: (await import("../../app/api/auth/email/verify/route.ts")).POST,
      resend: (await import("../../app/api/auth/email/resend/route.ts")).POST,
      forgot: (await import("../../app/api/auth/password/forgot/route.ts")).POST,
      reset: (await import("../../app/api/auth/password/reset/route.ts")).POST,
      logoutAll: (await import("../../app/api/member/logout-all/route.ts")).POST,
    };
  });
  afterAll(async () => {
    await stopWorker?.();
    await smtp?.close();
    const { queries } = await import("../data/db.ts");
    await queries().pool.end().catch(() => {});
  });

  const mailsTo = async (email: string, n: number) => {
    const until = Date.now() + 30_000;
    while (smtp.messages.filter((m) => m.to.includes(email)).length < n) {
      if (Date.now() > until) throw new Error(`no mail for ${email}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    return smtp.messages.filter((m) => m.to.includes(email));
  };
  const tokenOf = (text: string) => /#token=([A-Za-z0-9._-]+)/.exec(text)![1]!;

  it("sign-up → one verification mail → the link verifies once, then 409; forged 400; cross-site 403", async () => {
    const up = await read(await routes.signup(post("/api/auth/signup", { email: "Ana@Example.com", password: "a good long password", language: "en" })));
    expect(up.status).toBe(201);
    const mails = await mailsTo("ana@example.com", 1);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Fidélité: confirm your email address");
    const token = tokenOf(mails[0]!.text);
    expect(await read(await routes.verify(post("/api/auth/email/verify", { token }, { origin: "https://evil.example" })))).toMatchObject({ status: 403, body: { error: { code: "cross_origin" } } });
    expect(await read(await routes.verify(post("/api/auth/email/verify", { token: token.slice(0, -2) + "xx" })))).toMatchObject({ status: 400, body: { error: { code: "invalid_token" } } });
    expect(await read(await routes.verify(post("/api/auth/email/verify", { token })))).toMatchObject({ status: 200, body: { verified: true, email: "ana@example.com" } });
    expect(await read(await routes.verify(post("/api/auth/email/verify", { token })))).toMatchObject({ status: 409, body: { error: { code: "token_used" } } });
    const cookie = up.cookies.find((c) => c.startsWith("fid_session="))!.split(";")[0]!;
    expect(await read(await routes.resend(new Request(`${SITE}/api/auth/email/resend`, { method: "POST", headers: { origin: SITE, cookie } })))).toMatchObject({ status: 409, body: { error: { code: "already_verified" } } });
  });

  it("forgot answers alike for anyone; reset keeps the account, revokes its sessions and clears the cookie", async () => {
    const up = await read(await routes.signup(post("/api/auth/signup", { email: "ben@example.com", password: "a good long password" })));
    const cookie = up.cookies.find((c) => c.startsWith("fid_session="))!.split(";")[0]!;
    const unknown = await read(await routes.forgot(post("/api/auth/password/forgot", { email: "ghost@example.com" })));
    const known = await read(await routes.forgot(post("/api/auth/password/forgot", { email: "ben@example.com" })));
    expect(unknown).toEqual(known);
    expect(known.status).toBe(202);
    const [, mail] = await mailsTo("ben@example.com", 2);
    expect(mail!.subject).toBe("Fidélité : réinitialisez votre mot de passe");
    const reset = await read(await routes.reset(post("/api/auth/password/reset", { token: tokenOf(mail!.text), password: "another long password" })));
    expect(reset).toMatchObject({ status: 200, body: { reset: true } });
    expect(reset.cookies.some((c) => c.startsWith("fid_session=;"))).toBe(true);
    // The cookie from before the reset no longer signs anyone in.
    const stale = await read(await routes.logoutAll(new Request(`${SITE}/api/member/logout-all`, { method: "POST", headers: { origin: SITE, cookie } })));
    expect(stale).toMatchObject({ status: 401, body: { error: { code: "session_revoked" } } });
    expect(await read(await routes.reset(post("/api/auth/password/reset", { token: tokenOf(mail!.text), password: "a third long password" })))).toMatchObject({ status: 409, body: { error: { code: "token_used" } } });
  });
});
