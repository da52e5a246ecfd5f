/**
 * Email trust against a real Postgres, the real mail queue and worker, and a real SMTP server in
 * this process: what a member receives, and what their links do.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../../scripts/lib/log.ts";
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from "../../../test/support/smtp.ts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { parseKek } from "../custody/kek.ts";
import { signingAccount } from "../custody/users.ts";
import type { MailSettings } from "../mail/config.ts";
import { smtpTransport } from "../mail/transport.ts";
import { startMailWorker, type MailWorker } from "../mail/worker.ts";
import { accountState } from "./account-state.ts";
import { checkEmail, logIn, signUp } from "./accounts.ts";
import { linkToken } from "./email-links.ts";
import { requestPasswordReset, resendVerification, resetPassword, verifyEmail } from "./email-trust.ts";

vi.mock("server-only", () => ({}));
process.env.SESSION_SECRET = randomBytes(24).toString("hex");

const kek = parseKek(randomBytes(32).toString("hex"));
const PASSWORD = "a good long password";
const APP = "http://shop.test:3000";

/** The token of a mail's link (it is in the URL's fragment, never sent to a server by a browser). */
const tokenOf = (mail: ReceivedMail) => {
  const m = /#token=([A-Za-z0-9._-]+)/.exec(mail.text);
  if (!m) throw new Error(`no link in ${mail.text}`);
  return m[1]!;
};

describe("email verification and password reset", () => {
  const suite = useTestDatabase({ maxConnections: 8 });
  let smtp: TestSmtpServer;
  let worker: MailWorker;
  let ip = 0;
  const nextIp = () => `10.1.0.${++ip}`;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const settings: MailSettings = { smtp: { host: "127.0.0.1", port: smtp.port, secure: false }, from: "Fidélité <no-reply@shop.test>", programme: "Fidélité du Marché", appOrigin: APP };
    worker = await startMailWorker({
      databaseUrl: suite.db.url,
      transport: smtpTransport(settings.smtp),
      settings,
      log: createLogger({ component: "mail-test" }, { level: "warn" }),
      pollingIntervalSeconds: 0.5,
      maintenanceIntervalSeconds: 1,
      tuning: { expireInSeconds: 5, retryLimit: 5, retryDelaySeconds: 1 },
    });
  });
  afterAll(async () => {
    await worker?.stop(5_000);
    await smtp?.close();
  });

  /** The mails that arrived for `email`, once `count` of them have. */
  const mailsFor = async (email: string, count: number) => {
    const until = Date.now() + 30_000;
    for (;;) {
      const mine = smtp.messages.filter((m) => m.to.includes(email));
      if (mine.length >= count) return mine;
      if (Date.now() > until) throw new Error(`expected ${count} mails for ${email}, got ${mine.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const settle = () => new Promise((r) => setTimeout(r, 1_500));

  it("sends exactly one verification mail on sign-up, in the member's language, text and HTML, with the programme's name", async () => {
    const fr = await signUp(suite.pool, kek, { email: "Alice@Example.com", password: PASSWORD }, nextIp());
    const en = await signUp(suite.pool, kek, { email: "bob@example.com", password: PASSWORD, language: "en" }, nextIp());
    expect([fr.status, en.status]).toEqual([201, 201]);
    const [a] = await mailsFor("alice@example.com", 1);
    const [b] = await mailsFor("bob@example.com", 1);
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes("alice@example.com"))).toHaveLength(1);
    expect(a!.subject).toBe("Fidélité du Marché : confirmez votre adresse e-mail");
    expect(a!.language).toBe("fr");
    expect(a!.text).toContain("Confirmer mon adresse");
    expect(a!.html).toContain("Fidélité du Marché");
    expect(a!.text).toContain(`${APP}/verify-email#token=`);
    expect(a!.html).toContain(`href="${APP}/verify-email#token=${tokenOf(a!)}"`);
    expect(a!.factId).toMatch(/^verify:[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    expect(a!.messageId).toBe(`<${a!.factId!.replaceAll(":", ".")}@shop.test>`);
    expect(b!.subject).toBe("Fidélité du Marché: confirm your email address");
    expect(b!.language).toBe("en");
    expect(b!.text).toContain("Confirm my address");
    const { rows } = await suite.pool.query(`SELECT status, attempts FROM mail_messages WHERE fact_id = $1`, [a!.factId]);
    expect(rows).toEqual([{ status: "sent", attempts: 1 }]);
    expect(await signUp(suite.pool, kek, { email: "c@example.com", password: PASSWORD, language: "de" }, nextIp())).toMatchObject({ status: 400, error: { code: "bad_language" } });
  });

  it("a refused sign-up leaves no mail behind (the account and its mail are one transaction)", async () => {
    const before = (await suite.pool.query(`SELECT count(*)::int AS n FROM mail_messages`)).rows[0].n;
    expect(await signUp(suite.pool, kek, { email: "alice@example.com", password: PASSWORD }, nextIp())).toMatchObject({ status: 409, error: { code: "email_taken" } });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM mail_messages`)).rows[0].n).toBe(before);
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM email_tokens`)).rows[0].n).toBe(before);
  });

  it("the link verifies the address once, then is refused", async () => {
    await signUp(suite.pool, kek, { email: "carol@example.com", password: PASSWORD }, nextIp());
    const [mail] = await mailsFor("carol@example.com", 1);
    const verified = async () => (await suite.pool.query(`SELECT email_verified_at FROM users WHERE email = 'carol@example.com'`)).rows[0].email_verified_at;
    expect(await verified()).toBeNull();
    expect(await verifyEmail(suite.pool, { token: tokenOf(mail!) })).toEqual({ status: 200, body: { verified: true, email: "carol@example.com" } });
    const at = await verified();
    expect(at).toBeInstanceOf(Date);
    expect(await verifyEmail(suite.pool, { token: tokenOf(mail!) })).toMatchObject({ status: 409, error: { code: "token_used" } });
    expect(await verified()).toEqual(at);
  });

  it("refuses an expired, forged, altered or unknown link with its code, and verifies nothing", async () => {
    await signUp(suite.pool, kek, { email: "dave@example.com", password: PASSWORD }, nextIp());
    const [mail] = await mailsFor("dave@example.com", 1);
    const token = tokenOf(mail!);
    const [id, mac] = token.split(".") as [string, string];
    const flipped = `${id}.${(mac[0] === "A" ? "B" : "A") + mac.slice(1)}`;
    for (const [forged, why] of [
      [flipped, "altered signature"],
      [`${randomUUID()}.${mac}`, "another id with this signature"],
      [linkToken("reset", id), "a reset token for the same id"],
      [linkToken("verify", randomUUID()), "a well-signed id with no link"],
      ["not-a-token", "garbage"],
      [42, "not a string"],
    ] as const) {
      expect(await verifyEmail(suite.pool, { token: forged }), why).toMatchObject({ status: 400, error: { code: "invalid_token" } });
    }
    await suite.pool.query(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await verifyEmail(suite.pool, { token })).toMatchObject({ status: 410, error: { code: "token_expired" } });
    expect((await suite.pool.query(`SELECT email_verified_at FROM users WHERE email = 'dave@example.com'`)).rows[0].email_verified_at).toBeNull();
    // A new link can be asked for, and works.
    const { rows: [user] } = await suite.pool.query(`SELECT id FROM users WHERE email = 'dave@example.com'`);
    expect(await resendVerification(suite.pool, user.id)).toEqual({ status: 202, body: { sent: true } });
    const [, again] = await mailsFor("dave@example.com", 2);
    expect(await verifyEmail(suite.pool, { token: tokenOf(again!) })).toMatchObject({ status: 200 });
    expect(await resendVerification(suite.pool, user.id)).toMatchObject({ status: 409, error: { code: "already_verified" } });
  });

  it("answers a reset request the same whether or not the email has an account, and mails only the member", async () => {
    const before = smtp.messages.length;
    const unknown = await requestPasswordReset(suite.pool, { email: "nobody@example.com" }, nextIp(), checkEmail);
    const known = await requestPasswordReset(suite.pool, { email: "Carol@Example.com" }, nextIp(), checkEmail);
    expect(unknown).toEqual(known);
    expect(known).toMatchObject({ status: 202 });
    expect(await requestPasswordReset(suite.pool, { email: "nope" }, nextIp(), checkEmail)).toMatchObject({ status: 400, error: { code: "bad_email" } });
    const mails = await mailsFor("carol@example.com", 2);
    await settle();
    expect(smtp.messages.length - before).toBe(1);
    expect(mails[1]!.subject).toBe("Fidélité du Marché : réinitialisez votre mot de passe");
    expect(mails[1]!.factId).toMatch(/^reset:/);
  });

  it("resets the password with the link: the wallet stays, every old session dies, the link works once", async () => {
    const up = (await signUp(suite.pool, kek, { email: "erin@example.com", password: PASSWORD, language: "en" }, nextIp())) as { address: `0x${string}`; version: number };
    const session = { address: up.address, kind: "custodial" as const, version: up.version };
    expect(await accountState(suite.pool, session)).toMatchObject({ ok: true });
    await requestPasswordReset(suite.pool, { email: "erin@example.com" }, nextIp(), checkEmail);
    const [, reset] = await mailsFor("erin@example.com", 2);
    expect(reset!.subject).toBe("Fidélité du Marché: reset your password");
    expect(reset!.text).toContain(`${APP}/reset-password#token=`);
    const token = tokenOf(reset!);
    expect(await resetPassword(suite.pool, { token, password: "short" })).toMatchObject({ status: 400, error: { code: "weak_password" } });
    expect(await resetPassword(suite.pool, { token, password: "a brand new password" })).toEqual({ status: 200, body: { reset: true } });
    expect(await accountState(suite.pool, session)).toMatchObject({ ok: false, code: "session_revoked" });
    expect(await logIn(suite.pool, { email: "erin@example.com", password: PASSWORD }, nextIp())).toMatchObject({ status: 401, error: { code: "bad_credentials" } });
    const again = await logIn(suite.pool, { email: "erin@example.com", password: "a brand new password" }, nextIp());
    expect(again).toMatchObject({ status: 200, address: up.address });
    expect(await accountState(suite.pool, { ...session, version: (again as { version: number }).version })).toMatchObject({ ok: true });
    expect((await signingAccount(suite.pool, up.address, kek))?.address).toBe(up.address);
    expect(await resetPassword(suite.pool, { token, password: "yet another password" })).toMatchObject({ status: 409, error: { code: "token_used" } });
    expect(await resetPassword(suite.pool, { token: `${token}x`, password: "yet another password" })).toMatchObject({ status: 400, error: { code: "invalid_token" } });
    // The link proved the address.
    expect((await suite.pool.query(`SELECT email_verified_at FROM users WHERE email = 'erin@example.com'`)).rows[0].email_verified_at).toBeInstanceOf(Date);
  });

  it("refuses an expired reset link; an earlier unexpired one still works, and using it voids every other", async () => {
    await signUp(suite.pool, kek, { email: "frank@example.com", password: PASSWORD }, nextIp());
    await requestPasswordReset(suite.pool, { email: "frank@example.com" }, nextIp(), checkEmail);
    await requestPasswordReset(suite.pool, { email: "frank@example.com" }, nextIp(), checkEmail);
    const [, first, second] = await mailsFor("frank@example.com", 3);
    const { rows } = await suite.pool.query(`SELECT id FROM email_tokens WHERE purpose = 'reset' AND email = 'frank@example.com' ORDER BY created_at DESC LIMIT 1`);
    await suite.pool.query(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [rows[0].id]);
    const latest = [first!, second!].find((m) => tokenOf(m).startsWith(rows[0].id))!;
    const older = [first!, second!].find((m) => m !== latest)!;
    expect(await resetPassword(suite.pool, { token: tokenOf(latest), password: "a brand new password" })).toMatchObject({ status: 410, error: { code: "token_expired" } });
    expect(await resetPassword(suite.pool, { token: tokenOf(older), password: "a brand new password" })).toMatchObject({ status: 200 });
    expect(await logIn(suite.pool, { email: "frank@example.com", password: "a brand new password" }, nextIp())).toMatchObject({ status: 200 });
    await suite.pool.query(`UPDATE email_tokens SET expires_at = now() + interval '1 hour' WHERE id = $1`, [rows[0].id]);
    expect(await resetPassword(suite.pool, { token: tokenOf(latest), password: "a third new password" })).toMatchObject({ status: 409, error: { code: "token_used" } });
  });
});
