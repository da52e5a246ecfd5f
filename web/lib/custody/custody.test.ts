import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { useTestDatabase } from "../../../test/support/postgres-suite.ts";
import { ensureDevKeyEncryptionKey } from "./dev-kek.ts";
import { KekError, parseKek } from "./kek.ts";
import { createCustodialKey, decryptAccount, decryptKey, encryptKey, KeyDecryptionError } from "./keys.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { createCustodialUser, EmailTakenError, findUserByEmail, isCustodialAddress, signingAccount } from "./users.ts";

const kek = parseKek(randomBytes(32).toString("hex"));
const otherKek = parseKek(randomBytes(32).toString("base64"));

describe("KEK", () => {
  it("accepts 32 bytes as hex (0x or not), base64 and base64url", () => {
    const raw = randomBytes(32);
    for (const s of [raw.toString("hex"), `0x${raw.toString("hex")}`, raw.toString("base64"), raw.toString("base64url")]) {
      expect(parseKek(s).key.equals(raw)).toBe(true);
    }
    expect(parseKek(raw.toString("hex"), "3").version).toBe(3);
  });
  it("rejects missing, short, zero and malformed keys without echoing them", () => {
    const short = randomBytes(16).toString("hex");
    for (const s of [undefined, "", short, "z".repeat(64), "0".repeat(64)]) expect(() => parseKek(s)).toThrow(KekError);
    try {
      parseKek(short);
    } catch (e) {
      expect(String(e)).not.toContain(short);
    }
    expect(() => parseKek(randomBytes(32).toString("hex"), "0")).toThrow(KekError);
  });
});

describe("custodial keys (AES-256-GCM)", () => {
  it("round-trips: the decrypted key signs for the generated address", async () => {
    const { address, encrypted } = createCustodialKey(kek);
    expect(encrypted.iv.length).toBe(12);
    expect(encrypted.tag.length).toBe(16);
    expect(encrypted.ciphertext.length).toBe(32);
    const account = decryptAccount(encrypted, address, kek);
    expect(account.address).toBe(address);
    const signature = await account.signMessage({ message: "hello" });
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
  });
  it("fails under a wrong KEK, a wrong version, another address, or tampered data", () => {
    const { address, encrypted } = createCustodialKey(kek);
    expect(() => decryptKey(encrypted, address, otherKek)).toThrow(KeyDecryptionError);
    expect(() => decryptKey(encrypted, address, { ...kek, version: 2 })).toThrow(KeyDecryptionError);
    const other = createCustodialKey(kek).address;
    expect(() => decryptKey(encrypted, other, kek)).toThrow(KeyDecryptionError);
    const flip = (b: Buffer, i = 0) => {
      const c = Buffer.from(b);
      c[i] ^= 1;
      return c;
    };
    for (let i = 0; i < 32; i += 7) expect(() => decryptKey({ ...encrypted, ciphertext: flip(encrypted.ciphertext, i) }, address, kek)).toThrow(KeyDecryptionError);
    expect(() => decryptKey({ ...encrypted, tag: flip(encrypted.tag) }, address, kek)).toThrow(KeyDecryptionError);
    expect(() => decryptKey({ ...encrypted, iv: flip(encrypted.iv) }, address, kek)).toThrow(KeyDecryptionError);
    expect(() => decryptKey({ ...encrypted, tag: encrypted.tag.subarray(0, 8) }, address, kek)).toThrow(KeyDecryptionError);
  });
  it("never produces the same IV twice for the same key", () => {
    const key = randomBytes(32);
    const address = getAddress(privateKeyToAccount(`0x${key.toString("hex")}`).address);
    const a = encryptKey(key, address, kek);
    const b = encryptKey(key, address, kek);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(decryptKey(a, address, kek).equals(key)).toBe(true);
  });
});

describe("passwords (argon2id)", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const phc = await hashPassword("correct horse battery");
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(phc, "correct horse battery")).toBe(true);
    expect(await verifyPassword(phc, "correct horse batterY")).toBe(false);
    expect(await hashPassword("correct horse battery")).not.toBe(phc);
  });
  it("refuses non-argon2id and garbage hashes", async () => {
    expect(await verifyPassword("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x")).toBe(false);
    expect(await verifyPassword("$argon2id$garbage", "x")).toBe(false);
    expect(await verifyPassword("", "")).toBe(false);
  });
});

describe("dev key-encryption key file", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kek-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("creates one on the first run (mode 0600), then reuses it; the environment wins", () => {
    const file = path.join(dir, ".env.local");
    writeFileSync(file, "OTHER=1");
    const env: Record<string, string | undefined> = {};
    expect(ensureDevKeyEncryptionKey(file, env).source).toBe("created");
    const first = env.KEY_ENCRYPTION_KEY!;
    expect(parseKek(first).key.length).toBe(32);
    expect(readFileSync(file, "utf8")).toMatch(/^OTHER=1\n#.*\nKEY_ENCRYPTION_KEY=[0-9a-f]{64}\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again: Record<string, string | undefined> = {};
    expect(ensureDevKeyEncryptionKey(file, again).source).toBe("file");
    expect(again.KEY_ENCRYPTION_KEY).toBe(first);
    const given = randomBytes(32).toString("hex");
    expect(ensureDevKeyEncryptionKey(path.join(dir, "none"), { KEY_ENCRYPTION_KEY: given }).source).toBe("environment");
    expect(existsSync(path.join(dir, "none"))).toBe(false);
  });
});

describe("users table", () => {
  const suite = useTestDatabase({ maxConnections: 2 });

  it("stores the key only encrypted, never in plain text, and signs with it on the server", async () => {
    const { id, address } = await createCustodialUser(suite.pool, { email: "  Alice@Example.COM ", password: "a long password" }, kek);
    const login = await findUserByEmail(suite.pool, "alice@example.com");
    expect(login).toMatchObject({ id, address, selfCustody: false });
    expect(await verifyPassword(login!.passwordHash!, "a long password")).toBe(true);
    expect(await isCustodialAddress(suite.pool, address)).toBe(true);

    const account = await signingAccount(suite.pool, address, kek);
    expect(account?.address).toBe(address);
    // The plain key, recovered here only to look for it: in no column, in no encoding.
    const key = decryptKey(
      await suite.pool.query(`SELECT key_ciphertext AS ciphertext, key_iv AS iv, key_tag AS tag, key_version AS version FROM users WHERE id = $1`, [id]).then((r) => r.rows[0]),
      address,
      kek,
    );
    const { rows } = await suite.pool.query(`SELECT row_to_json(u)::text AS json, encode(key_ciphertext, 'hex') AS hex, encode(key_ciphertext, 'base64') AS b64 FROM users u WHERE id = $1`, [id]);
    const dump = `${rows[0].json} ${rows[0].hex} ${rows[0].b64}`.toLowerCase();
    for (const needle of [key.toString("hex"), key.toString("base64").toLowerCase(), key.toString("base64url").toLowerCase()]) expect(dump).not.toContain(needle);
    expect(rows[0].json).not.toContain("a long password");

    await expect(signingAccount(suite.pool, address, otherKek)).rejects.toThrow(KeyDecryptionError);
  });

  it("refuses a duplicate email (case-insensitive) and a broken key row", async () => {
    await createCustodialUser(suite.pool, { email: "bob@example.com", password: "another password" }, kek);
    await expect(createCustodialUser(suite.pool, { email: "BOB@example.com", password: "another password" }, kek)).rejects.toThrow(EmailTakenError);
    await expect(
      suite.pool.query(`INSERT INTO users (email, address, key_ciphertext, key_iv, key_tag, key_version) VALUES ('c@example.com', '0x01', '\\x00', '\\x00', '\\x00', 1)`),
    ).rejects.toThrow(/users_key_whole/);
  });
});
