/**
 * Custodial wallet keys: generated on the server, encrypted at rest with AES-256-GCM under the KEK
 * (./kek.ts). The additional authenticated data binds a ciphertext to its address and KEK version,
 * so a ciphertext copied onto another member's row, or relabelled with another version, fails to
 * decrypt. Private keys never leave this module except as a viem account for signing on the server
 * (decryptAccount); nothing here logs.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { getAddress, type Address } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { kekKeyFor, type Kek } from "./kek.ts";

export interface EncryptedKey {
  ciphertext: Buffer;
  /** 12 bytes. */
  iv: Buffer;
  /** 16 bytes. */
  tag: Buffer;
  version: number;
}

export class KeyDecryptionError extends Error {
  override name = "KeyDecryptionError";
}

/** A ciphertext carries a KEK version this server has no key for (the message names variables and versions, never a key). */
export class UnknownKekVersionError extends KeyDecryptionError {
  override name = "UnknownKekVersionError";
  constructor(readonly version: number, kek: Kek) {
    const configured = [kek.version, ...(kek.previous ? [kek.previous.version] : [])].join(", ");
    super(
      `no KEK is configured for version ${version} (configured: ${configured}); ` +
        `set KEY_ENCRYPTION_KEY_PREVIOUS with KEY_ENCRYPTION_KEY_PREVIOUS_VERSION=${version} until \`npm run rotate-kek\` has re-encrypted every key`,
    );
  }
}

const aad = (address: Address, version: number) => Buffer.from(`fidelite-custodial-key:v${version}:${address.toLowerCase()}`, "utf8");

export function encryptKey(privateKey: Buffer, address: Address, kek: Kek): EncryptedKey {
  if (privateKey.length !== 32) throw new Error("a private key is 32 bytes");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kek.key, iv);
  cipher.setAAD(aad(address, kek.version));
  const ciphertext = Buffer.concat([cipher.update(privateKey), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag(), version: kek.version };
}

/** The private key, under the KEK of the version stored with it (current or previous); KeyDecryptionError
 * (wrong KEK, wrong address, tampered data), UnknownKekVersionError (no KEK configured for its version). */
export function decryptKey(encrypted: EncryptedKey, address: Address, kek: Kek): Buffer {
  const key = kekKeyFor(kek, encrypted.version);
  if (!key) throw new UnknownKekVersionError(encrypted.version, kek);
  if (encrypted.iv.length !== 12 || encrypted.tag.length !== 16) throw new KeyDecryptionError("malformed encrypted key");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, encrypted.iv, { authTagLength: 16 });
    decipher.setAAD(aad(address, encrypted.version));
    decipher.setAuthTag(encrypted.tag);
    const plain = Buffer.concat([decipher.update(encrypted.ciphertext), decipher.final()]);
    if (plain.length !== 32) throw new Error("length");
    return plain;
  } catch {
    throw new KeyDecryptionError("the encrypted key does not decrypt under this KEK");
  }
}

/** A new wallet: its address and its encrypted key (the plain key is wiped before returning). */
export function createCustodialKey(kek: Kek): { address: Address; encrypted: EncryptedKey } {
  for (;;) {
    const key = randomBytes(32);
    try {
      // privateKeyToAccount rejects 0 and keys ≥ the curve order (probability ~2^-128).
      const address = getAddress(privateKeyToAccount(`0x${key.toString("hex")}`).address);
      return { address, encrypted: encryptKey(key, address, kek) };
    } catch (e) {
      if (e instanceof KeyDecryptionError) throw e;
    } finally {
      key.fill(0);
    }
  }
}

/** A signing account for the member's address; checks the decrypted key really is that address's. */
export function decryptAccount(encrypted: EncryptedKey, address: Address, kek: Kek): PrivateKeyAccount {
  const key = decryptKey(encrypted, address, kek);
  try {
    const account = privateKeyToAccount(`0x${key.toString("hex")}`);
    if (account.address.toLowerCase() !== address.toLowerCase()) throw new KeyDecryptionError("the decrypted key is not this address's");
    return account;
  } finally {
    key.fill(0);
  }
}

/**
 * The key of `address` re-encrypted under the current KEK (rotation): decrypted under the KEK of
 * its stored version, encrypted anew, and the new ciphertext decrypted again and checked to derive
 * that address before it is returned. Every plain copy
 * is wiped. KeyDecryptionError (or UnknownKekVersionError) when any step fails.
 */
export function reencryptKey(encrypted: EncryptedKey, address: Address, kek: Kek): EncryptedKey {
  const current: Kek = { version: kek.version, key: kek.key };
  const key = decryptKey(encrypted, address, kek);
  try {
    const next = encryptKey(key, address, current);
    // Decrypts the new ciphertext and derives its address: a key that was not this address's fails here too.
    decryptAccount(next, address, current);
    return next;
  } finally {
    key.fill(0);
  }
}
