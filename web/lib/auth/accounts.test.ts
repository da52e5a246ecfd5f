import { describe, expect, it, vi } from "vitest";
import { randomBytes } from "node:crypto";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { parseKek } from "../custody/kek.ts";
import { signingAccount } from "../custody/users.ts";
import { LIMITS, logIn, signUp } from "./accounts.ts";

vi.mock("server-only", () => ({}));
process.env.SESSION_SECRET = randomBytes(24).toString("hex");
process.env.CHAIN_ID = "31337";
const { decodeSession, encodeSession } = await import("./session.ts");

const kek = parseKek(randomBytes(32).toString("hex"));
const PASSWORD = "a good long password";

describe("email accounts", () => {
  const suite = useTestDatabase();
  let ip = 0;
  const nextIp = () => `10.0.0.${++ip}`;

  it("signs up, then logs in to the same custodial wallet", async () => {
    const up = await signUp(suite.pool, kek, { email: "Carol@Example.com", password: PASSWORD, consent: { marketing: false } }, nextIp());
    expect(up).toMatchObject({ status: 201, kind: "custodial" });
    const address = (up as { address: string }).address;
    expect(await logIn(suite.pool, { email: "carol@example.com ", password: PASSWORD }, nextIp())).toEqual({ status: 200, address, kind: "custodial", version: 1 });
    expect((await signingAccount(suite.pool, address as `0x${string}`, kek))?.address).toBe(address);
  });

  it.each([
    [{ email: "not-an-email", password: PASSWORD }, 400, "bad_email"],
    [{ email: "a@b", password: PASSWORD }, 400, "bad_email"],
    [{ email: "a b@example.com", password: PASSWORD }, 400, "bad_email"],
    [{ email: `${"x".repeat(250)}@example.com`, password: PASSWORD }, 400, "bad_email"],
    [{ email: 42, password: PASSWORD }, 400, "bad_email"],
    [{ email: "short@example.com", password: "short" }, 400, "weak_password"],
    [{ email: "long@example.com", password: "x".repeat(300) }, 400, "bad_password"],
    [{ email: "np@example.com" }, 400, "bad_password"],
    [{ email: "c@example.com", password: PASSWORD, consent: { sell_my_data: true } }, 400, "bad_consent"],
    [[1, 2], 400, "bad_json"],
    [null, 400, "bad_json"],
  ])("refuses sign-up %j with %i %s", async (body, status, code) => {
    const r = await signUp(suite.pool, kek, body, nextIp());
    expect(r).toMatchObject({ status, error: { code } });
    expect((r as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
  });

  it("records consents as events and the referral code (a member id or address) at sign-up", async () => {
    const ref = (await signUp(suite.pool, kek, { email: "referrer@example.com", password: PASSWORD }, nextIp())) as { address: string };
    const { rows: [referrer] } = await suite.pool.query(`SELECT id FROM users WHERE address = $1`, [ref.address.toLowerCase()]);
    expect(await signUp(suite.pool, kek, { email: "r1@example.com", password: PASSWORD, referral: "0x000000000000000000000000000000000000dEaD" }, nextIp())).toMatchObject({ status: 422, error: { code: "unknown_referrer" } });
    expect(await signUp(suite.pool, kek, { email: "r1@example.com", password: PASSWORD, referral: "bob" }, nextIp())).toMatchObject({ status: 400, error: { code: "bad_referral" } });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE email = 'r1@example.com'`)).rows[0].n).toBe(0);
    const byId = (await signUp(suite.pool, kek, { email: "r1@example.com", password: PASSWORD, referral: referrer.id, consent: { marketing: true, partners: false } }, nextIp())) as { address: string };
    const byAddress = (await signUp(suite.pool, kek, { email: "r2@example.com", password: PASSWORD, referral: ref.address.toLowerCase() }, nextIp())) as { address: string };
    const { rows } = await suite.pool.query(`SELECT member, referrer FROM referrals ORDER BY created_at`);
    expect(rows).toEqual([
      { member: byId.address.toLowerCase(), referrer: ref.address.toLowerCase() },
      { member: byAddress.address.toLowerCase(), referrer: ref.address.toLowerCase() },
    ]);
    const events = await suite.pool.query(`SELECT e.choice, e.granted, e.source FROM consent_events e JOIN users u ON u.id = e.user_id WHERE u.email = 'r1@example.com' ORDER BY e.choice`);
    expect(events.rows).toEqual([{ choice: "marketing", granted: true, source: "signup" }, { choice: "partners", granted: false, source: "signup" }]);
  });

  it("refuses a duplicate email, whatever its case, with 409", async () => {
    expect((await signUp(suite.pool, kek, { email: "dup@example.com", password: PASSWORD }, nextIp())).status).toBe(201);
    expect(await signUp(suite.pool, kek, { email: "DUP@example.com", password: PASSWORD }, nextIp())).toMatchObject({ status: 409, error: { code: "email_taken" } });
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE email = 'dup@example.com'`)).rows[0].n).toBe(1);
  });

  it("answers a wrong password and an unknown email alike (401 bad_credentials)", async () => {
    await signUp(suite.pool, kek, { email: "dave@example.com", password: PASSWORD }, nextIp());
    const wrong = await logIn(suite.pool, { email: "dave@example.com", password: `${PASSWORD}!` }, nextIp());
    const unknown = await logIn(suite.pool, { email: "nobody@example.com", password: PASSWORD }, nextIp());
    expect(wrong).toEqual({ status: 401, error: { code: "bad_credentials", message: "wrong email or password" } });
    expect(unknown).toEqual(wrong);
    expect(await logIn(suite.pool, { email: "dave@example.com" }, nextIp())).toMatchObject({ status: 400, error: { code: "bad_password" } });
    expect(await logIn(suite.pool, { email: "dave", password: PASSWORD }, nextIp())).toMatchObject({ status: 400, error: { code: "bad_email" } });
  });

  it("rate-limits attempts per email and IP (even the right password), per email across IPs unless the device is known, and per IP", async () => {
    await signUp(suite.pool, kek, { email: "erin@example.com", password: PASSWORD }, nextIp());
    const guesser = nextIp();
    for (let i = 0; i < LIMITS.loginPerEmailAndIp.max; i++) expect((await logIn(suite.pool, { email: "erin@example.com", password: "wrong password" }, guesser)).status).toBe(401);
    expect(await logIn(suite.pool, { email: "erin@example.com", password: PASSWORD }, guesser)).toMatchObject({ status: 429, error: { code: "rate_limited" } });
    // The member, from their own address, is not locked out by it.
    expect((await logIn(suite.pool, { email: "erin@example.com", password: PASSWORD }, nextIp())).status).toBe(200);
    // Guesses from many addresses hit the per-email limit, which spares a browser that logged in before.
    for (let i = 0; i < LIMITS.loginPerEmail.max; i++) await logIn(suite.pool, { email: "erin@example.com", password: "wrong password" }, nextIp());
    expect(await logIn(suite.pool, { email: "erin@example.com", password: PASSWORD }, nextIp())).toMatchObject({ status: 429 });
    const known = (email: string) => email === "erin@example.com";
    expect((await logIn(suite.pool, { email: "erin@example.com", password: PASSWORD }, nextIp(), known)).status).toBe(200);
    // Another member is not locked out by it.
    await signUp(suite.pool, kek, { email: "frank@example.com", password: PASSWORD }, nextIp());
    expect((await logIn(suite.pool, { email: "frank@example.com", password: PASSWORD }, nextIp())).status).toBe(200);

    const ip = nextIp();
    await suite.pool.query(`INSERT INTO auth_rate_limits (key, window_start, count) VALUES ($1, now(), $2)`, [`login:ip:${ip}`, LIMITS.loginPerIp.max]);
    expect(await logIn(suite.pool, { email: "frank@example.com", password: PASSWORD }, ip)).toMatchObject({ status: 429 });
    // An expired window starts again.
    await suite.pool.query(`UPDATE auth_rate_limits SET window_start = now() - interval '1 hour' WHERE key = $1`, [`login:ip:${ip}`]);
    expect((await logIn(suite.pool, { email: "frank@example.com", password: PASSWORD }, ip)).status).toBe(200);
  });

  it("counts concurrent attempts exactly (one atomic upsert each)", async () => {
    const ip = nextIp();
    const results = await Promise.all(Array.from({ length: 30 }, () => signUp(suite.pool, kek, { email: "bad", password: PASSWORD }, ip)));
    expect(results.every((r) => r.status === 400)).toBe(true); // invalid input is refused before it is counted
    await Promise.all(Array.from({ length: 25 }, (_, i) => signUp(suite.pool, kek, { email: `burst${i}@example.com`, password: PASSWORD }, ip)));
    expect((await suite.pool.query(`SELECT count FROM auth_rate_limits WHERE key = $1`, [`signup:ip:${ip}`])).rows[0].count).toBe(25);
    expect((await suite.pool.query(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'burst%'`)).rows[0].n).toBe(LIMITS.signupPerIp.max);
  });

  it("a session names one member: it cannot be altered to another address or kind", async () => {
    const a = (await signUp(suite.pool, kek, { email: "gina@example.com", password: PASSWORD }, nextIp())) as { address: `0x${string}` };
    const b = (await signUp(suite.pool, kek, { email: "hank@example.com", password: PASSWORD }, nextIp())) as { address: `0x${string}` };
    expect(a.address).not.toBe(b.address);
    const now = Math.floor(Date.now() / 1000);
    const cookie = encodeSession({ address: a.address, chainId: 31337, kind: "custodial", issuedAt: now, expiresAt: now + 60 });
    expect(decodeSession(cookie)).toMatchObject({ address: a.address, kind: "custodial" });
    const [payload, mac] = cookie.split(".");
    const forged = Buffer.from(Buffer.from(payload!, "base64url").toString().replace(a.address, b.address)).toString("base64url");
    expect(decodeSession(`${forged}.${mac}`)).toBeNull();
    const asWallet = Buffer.from(Buffer.from(payload!, "base64url").toString().replace('"custodial"', '"wallet"')).toString("base64url");
    expect(decodeSession(`${asWallet}.${mac}`)).toBeNull();
    expect(decodeSession(encodeSession({ address: a.address, chainId: 31337, kind: "custodial", issuedAt: now - 120, expiresAt: now - 60 }))).toBeNull();
  });
});
