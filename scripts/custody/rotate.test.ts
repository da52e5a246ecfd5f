/**
 * KEK rotation against a real Postgres: keys created under KEK v1 are re-encrypted under v2 while
 * "the app" (signingAccount, the path every member action signs through) keeps signing; a crash or a
 * SIGKILL midway loses nothing and a re-run finishes; two runs rotate each row once; a corrupted row
 * is reported and fails the run while the others rotate; with the previous KEK gone everything still
 * signs; a version with no configured KEK gives an error that names variables, never a key.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { getAddress, recoverMessageAddress, type Address } from "viem";
import { useTestDatabase } from "../../test/support/postgres-suite.ts";
import { KekError, kekFromEnv, parseKek, parseKeyring, type Kek } from "../../web/lib/custody/kek.ts";
import { createCustodialKey, decryptKey, KeyDecryptionError, UnknownKekVersionError } from "../../web/lib/custody/keys.ts";
import { createCustodialUser, signingAccount } from "../../web/lib/custody/users.ts";
import type { PoolLike } from "../lib/queryable.ts";
import { rotateKeys } from "./rotate.ts";

const hex1 = randomBytes(32).toString("hex");
const hex2 = randomBytes(32).toString("hex");
const env = { KEY_ENCRYPTION_KEY: hex2, KEY_ENCRYPTION_KEY_VERSION: "2", KEY_ENCRYPTION_KEY_PREVIOUS: hex1, KEY_ENCRYPTION_KEY_PREVIOUS_VERSION: "1" };
const v1 = parseKek(hex1, "1");
const v2 = parseKek(hex2, "2");
/** The app and the command during the rotation: encrypts under v2, reads v1 and v2. */
const ring = parseKeyring(env);

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const r = spawnSync("npx", ["tsx", "scripts/custody/rotate-kek.ts", ...args], { encoding: "utf8", env: { ...process.env, LOG_FORMAT: "json", ...extra }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const summaryOf = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!);

describe("KEK configuration for a rotation", () => {
  it("reads the previous KEK and its version beside the current one", () => {
    expect(ring.version).toBe(2);
    expect(ring.previous?.version).toBe(1);
    expect(ring.previous?.key.equals(v1.key)).toBe(true);
    expect(kekFromEnv(env).previous?.version).toBe(1);
    expect(kekFromEnv({ KEY_ENCRYPTION_KEY: hex2 }).previous).toBeUndefined();
  });
  it("refuses an incomplete or inconsistent previous KEK, naming variables and never values", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ KEY_ENCRYPTION_KEY: hex2, KEY_ENCRYPTION_KEY_PREVIOUS: hex1 }, /KEY_ENCRYPTION_KEY_PREVIOUS_VERSION is required/],
      [{ KEY_ENCRYPTION_KEY: hex2, KEY_ENCRYPTION_KEY_PREVIOUS_VERSION: "1" }, /set without KEY_ENCRYPTION_KEY_PREVIOUS/],
      [{ ...env, KEY_ENCRYPTION_KEY_PREVIOUS_VERSION: "2" }, /must differ from KEY_ENCRYPTION_KEY_VERSION/],
      [{ ...env, KEY_ENCRYPTION_KEY_PREVIOUS: hex2 }, /KEY_ENCRYPTION_KEY_PREVIOUS must differ/],
      [{ ...env, KEY_ENCRYPTION_KEY_PREVIOUS: hex1.slice(2) }, /KEY_ENCRYPTION_KEY_PREVIOUS must be 32 bytes/],
      [{ ...env, KEY_ENCRYPTION_KEY_PREVIOUS_VERSION: "x" }, /KEY_ENCRYPTION_KEY_PREVIOUS_VERSION must be a positive integer/],
    ];
    for (const [e, message] of cases) {
      let error: unknown;
      try {
        parseKeyring(e);
      } catch (x) {
        error = x;
      }
      expect(error).toBeInstanceOf(KekError);
      expect(String(error)).toMatch(message);
      expect(String(error)).not.toContain(hex1.slice(2, 20));
      expect(String(error)).not.toContain(hex2.slice(2, 20));
    }
  });
  it("decrypts by the version stored with the ciphertext; an unknown version is a clear error", () => {
    const { address, encrypted } = createCustodialKey(v1);
    expect(decryptKey(encrypted, address, ring).length).toBe(32);
    expect(createCustodialKey(ring).encrypted.version).toBe(2);
    let error: unknown;
    try {
      decryptKey(encrypted, address, v2);
    } catch (x) {
      error = x;
    }
    expect(error).toBeInstanceOf(UnknownKekVersionError);
    expect(error).toBeInstanceOf(KeyDecryptionError);
    expect((error as Error).message).toBe(
      "no KEK is configured for version 1 (configured: 2); set KEY_ENCRYPTION_KEY_PREVIOUS with KEY_ENCRYPTION_KEY_PREVIOUS_VERSION=1 until `npm run rotate-kek` has re-encrypted every key",
    );
  });
});

describe("npm run rotate-kek on a real Postgres", () => {
  const suite = useTestDatabase({ maxConnections: 8 });
  beforeEach(async () => {
    await suite.pool.query(`TRUNCATE users CASCADE`);
  });

  /** `n` custodial rows under `kek`, inserted in one statement; their addresses. */
  async function bulk(n: number, kek: Kek): Promise<Address[]> {
    const keys = Array.from({ length: n }, () => createCustodialKey(kek));
    await suite.pool.query(
      `INSERT INTO users (address, key_ciphertext, key_iv, key_tag, key_version)
       SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[], $5::int[])`,
      [keys.map((k) => k.address.toLowerCase()), keys.map((k) => k.encrypted.ciphertext), keys.map((k) => k.encrypted.iv), keys.map((k) => k.encrypted.tag), keys.map((k) => k.encrypted.version)],
    );
    return keys.map((k) => k.address);
  }
  const versions = async () =>
    Object.fromEntries((await suite.pool.query<{ v: number; n: string }>(`SELECT key_version AS v, count(*) AS n FROM users WHERE key_ciphertext IS NOT NULL GROUP BY 1`)).rows.map((r) => [r.v, Number(r.n)]));
  const rows = async () =>
    (await suite.pool.query<{ address: string; ciphertext: Buffer; iv: Buffer; tag: Buffer; version: number }>(
      `SELECT address, key_ciphertext AS ciphertext, key_iv AS iv, key_tag AS tag, key_version AS version FROM users WHERE key_ciphertext IS NOT NULL`,
    )).rows;
  /** The plain keys by address (to compare before and after, and to look for them in outputs). */
  const plainKeys = async (kek: Kek) => new Map((await rows()).map((r) => [r.address, decryptKey(r, getAddress(r.address), kek).toString("hex")]));
  async function signs(address: Address, kek: Kek) {
    const account = await signingAccount(suite.pool, address, kek);
    expect(account?.address).toBe(address);
    const signature = await account!.signMessage({ message: "rotate" });
    expect(await recoverMessageAddress({ message: "rotate", signature })).toBe(address);
  }

  it("rotates members created under v1 to v2: same keys, members still sign, even once v1 is gone", async () => {
    const members = [];
    for (const email of ["a@example.com", "b@example.com"]) members.push(await createCustodialUser(suite.pool, { email, password: "a long password" }, v1));
    await bulk(298, v1);
    const before = await plainKeys(v1);
    // During the rotation the app reads both versions and writes new keys under v2.
    await signs(members[0]!.address, ring);
    const fresh = await createCustodialUser(suite.pool, { email: "c@example.com", password: "a long password" }, ring);
    expect(await versions()).toEqual({ 1: 300, 2: 1 });

    const report = await rotateKeys({ pool: suite.pool, kek: ring, batchSize: 64 });
    expect(report).toMatchObject({ total: 301, rotated: 300, alreadyCurrent: 1, failed: 0, pending: 0, batches: 5 });
    expect(await versions()).toEqual({ 2: 301 });
    const after = await plainKeys(v2);
    for (const [address, key] of before) expect(after.get(address)).toBe(key);
    for (const [address, key] of after) expect(getAddress(address)).toBe(getAddress((await import("viem/accounts")).privateKeyToAccount(`0x${key}`).address));

    // The previous KEK no longer configured: every member still signs, new members are created.
    for (const m of [...members, fresh]) await signs(m.address, v2);
    await signs((await createCustodialUser(suite.pool, { email: "d@example.com", password: "a long password" }, v2)).address, v2);
    // A re-run has nothing left to do.
    expect(await rotateKeys({ pool: suite.pool, kek: ring })).toMatchObject({ rotated: 0, alreadyCurrent: 302, failed: 0, pending: 0 });
  });

  it("a key under a version with no configured KEK fails with the clear error, and the run reports it", async () => {
    const [address] = await bulk(1, v1);
    await expect(signingAccount(suite.pool, address!, v2)).rejects.toThrow(UnknownKekVersionError);
    await expect(signingAccount(suite.pool, address!, v2)).rejects.toThrow(/no KEK is configured for version 1 .*KEY_ENCRYPTION_KEY_PREVIOUS_VERSION=1/);
    const report = await rotateKeys({ pool: suite.pool, kek: v2 });
    expect(report).toMatchObject({ rotated: 0, failed: 1, pending: 0 });
    expect(report.failures[0]).toMatchObject({ address: address!.toLowerCase(), version: 1 });
    expect(report.failures[0]!.error).toMatch(/no KEK is configured for version 1/);
    expect(await versions()).toEqual({ 1: 1 });
  });

  it("a crash inside a batch loses nothing: the batch rolls back and a re-run finishes", async () => {
    await bulk(200, v1);
    const before = await plainKeys(v1);
    // The connection dies at the third batch's UPDATE (batches of 30: 60 rows committed before it).
    let updates = 0;
    const faulty: PoolLike = {
      query: (sql, params) => suite.pool.query(sql, params),
      async connect() {
        const c = await suite.pool.connect();
        return {
          release: (d?: boolean | Error) => c.release(d),
          query: (async (sql: string, params?: unknown[]) => {
            if (sql.trimStart().startsWith("UPDATE") && ++updates === 3) throw new Error("connection terminated unexpectedly");
            return c.query(sql, params);
          }) as PoolLike["query"],
        };
      },
    };
    await expect(rotateKeys({ pool: faulty, kek: ring, batchSize: 30 })).rejects.toThrow(/connection terminated/);
    expect(await versions()).toEqual({ 1: 140, 2: 60 });
    // Meanwhile the app reads every key, whichever version it is under.
    const mid = await plainKeys(ring);
    expect(mid).toEqual(before);

    expect(await rotateKeys({ pool: suite.pool, kek: ring, batchSize: 30 })).toMatchObject({ rotated: 140, alreadyCurrent: 60, failed: 0, pending: 0 });
    expect(await versions()).toEqual({ 2: 200 });
    expect(await plainKeys(v2)).toEqual(before);
  });

  it("two concurrent runs, while the app signs, rotate each row exactly once", async () => {
    const addresses = await bulk(600, v1);
    const before = await plainKeys(v1);
    await suite.pool.query(`CREATE TABLE IF NOT EXISTS rotations (id uuid NOT NULL, from_version int, to_version int)`);
    await suite.pool.query(`TRUNCATE rotations`);
    await suite.pool.query(`CREATE OR REPLACE FUNCTION note_rotation() RETURNS trigger AS $$ BEGIN
        IF NEW.key_ciphertext IS DISTINCT FROM OLD.key_ciphertext THEN INSERT INTO rotations VALUES (NEW.id, OLD.key_version, NEW.key_version); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await suite.pool.query(`CREATE OR REPLACE TRIGGER note_rotation AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION note_rotation()`);

    let done = false;
    let signed = 0;
    const app = (async () => {
      for (let i = 0; !done; i++) {
        await signs(addresses[(i * 37) % addresses.length]!, ring);
        signed++;
      }
    })();
    const [a, b] = await Promise.all([rotateKeys({ pool: suite.pool, kek: ring, batchSize: 25 }), rotateKeys({ pool: suite.pool, kek: ring, batchSize: 25 })]);
    done = true;
    await app;
    expect(signed).toBeGreaterThan(0);
    expect(a.rotated + b.rotated).toBe(600);
    expect(a.failed + b.failed).toBe(0);
    const { rows: counts } = await suite.pool.query<{ n: string; once: string; bad: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS once, count(*) FILTER (WHERE from_version <> 1 OR to_version <> 2) AS bad FROM rotations`,
    );
    expect(counts[0]).toEqual({ n: "600", once: "600", bad: "0" });
    expect(await versions()).toEqual({ 2: 600 });
    expect(await plainKeys(v2)).toEqual(before);
    await suite.pool.query(`DROP TRIGGER note_rotation ON users`);
  });

  it("the command: a corrupted key is reported and exits 1 while the others rotate; nothing secret is printed", async () => {
    await bulk(40, v1);
    const before = await plainKeys(v1);
    const { rows: victim } = await suite.pool.query<{ id: string; address: string }>(
      `UPDATE users SET key_ciphertext = set_byte(key_ciphertext, 3, get_byte(key_ciphertext, 3) # 1)
        WHERE id = (SELECT id FROM users ORDER BY id OFFSET 17 LIMIT 1) RETURNING id, address`,
    );
    const dry = cli(["--dry-run"], { ...env, DATABASE_URL: suite.db.url });
    expect(dry.code).toBe(0);
    expect(summaryOf(dry.out)).toMatchObject({ dryRun: true, version: 2, previousVersion: 1, toRotate: 40, versions: [{ version: 1, keys: 40, configured: true }] });
    expect(await versions()).toEqual({ 1: 40 });

    const r = cli(["--batch-size", "7"], { ...env, DATABASE_URL: suite.db.url });
    expect(r.code).toBe(1);
    const summary = summaryOf(r.out);
    expect(summary).toMatchObject({ version: 2, rotated: 39, alreadyCurrent: 0, failed: 1, pending: 0, failures: [{ id: victim[0]!.id, address: victim[0]!.address, version: 1 }] });
    expect(r.err).toContain(victim[0]!.id);
    expect(await versions()).toEqual({ 1: 1, 2: 39 });
    const output = (r.out + r.err + dry.out + dry.err).toLowerCase();
    for (const secret of [hex1, hex2, ...before.values()]) expect(output).not.toContain(secret.slice(0, 24));
    // Again: the corrupted key fails again, nothing else is touched.
    const again = cli([], { ...env, DATABASE_URL: suite.db.url });
    expect(again.code).toBe(1);
    expect(summaryOf(again.out)).toMatchObject({ rotated: 0, alreadyCurrent: 39, failed: 1 });
  });

  it("the command killed with SIGKILL midway, then run again, rotates every row with none lost", async () => {
    await bulk(1500, v1);
    const before = await plainKeys(v1);
    const child = spawn("npx", ["tsx", "scripts/custody/rotate-kek.ts", "--batch-size", "5"], {
      env: { ...process.env, ...env, DATABASE_URL: suite.db.url, LOG_FORMAT: "json", LOG_LEVEL: "debug" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let batches = 0;
    const killed = new Promise<NodeJS.Signals | null>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        batches += (chunk.toString().match(/kek rotation batch/g) ?? []).length;
        // The whole process group (npx, tsx, node), at once, as a crash would.
        if (batches >= 3 && child.exitCode === null && !child.killed) process.kill(-child.pid!, "SIGKILL");
      });
      child.on("exit", (_code, signal) => resolve(signal));
    });
    expect(await killed).toBe("SIGKILL");
    const mid = await versions();
    expect(mid[2]).toBeGreaterThanOrEqual(15);
    expect(mid[1]).toBeGreaterThan(0);
    expect((mid[1] ?? 0) + mid[2]!).toBe(1500);
    expect(await plainKeys(ring)).toEqual(before);

    const r = cli(["--batch-size", "200"], { ...env, DATABASE_URL: suite.db.url });
    expect(r.code).toBe(0);
    expect(summaryOf(r.out)).toMatchObject({ rotated: mid[1], alreadyCurrent: mid[2], failed: 0, pending: 0 });
    expect(await versions()).toEqual({ 2: 1500 });
    expect(await plainKeys(v2)).toEqual(before);
  }, 120_000);

  it("--help explains the command; a bad option, a bad KEK or a bad batch size exit 2", () => {
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: KEY_ENCRYPTION_KEY=.*npm run rotate-kek/s);
    expect(help.out).toMatch(/--dry-run/);
    const bad = cli(["--no-such-option"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no-such-option/);
    const noPrevVersion = cli([], { KEY_ENCRYPTION_KEY: hex2, KEY_ENCRYPTION_KEY_PREVIOUS: hex1, KEY_ENCRYPTION_KEY_PREVIOUS_VERSION: "", DATABASE_URL: suite.db.url });
    expect(noPrevVersion.code).toBe(2);
    expect(noPrevVersion.err).toMatch(/KEY_ENCRYPTION_KEY_PREVIOUS_VERSION is required/);
    expect(noPrevVersion.err).not.toContain(hex1);
    const batch = cli(["--batch-size", "0"], { ...env, DATABASE_URL: suite.db.url });
    expect(batch.code).toBe(2);
    expect(batch.err).toMatch(/--batch-size must be an integer >= 1/);
  });
});
