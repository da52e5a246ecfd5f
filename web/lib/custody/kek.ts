/**
 * The key-encryption key (KEK) of the custodial wallets: 32 bytes from the environment,
 * KEY_ENCRYPTION_KEY (64 hex digits, optionally 0x-prefixed, or base64/base64url of 32 bytes), with
 * its version KEY_ENCRYPTION_KEY_VERSION (a positive integer, default 1) stored beside each
 * ciphertext so the KEK can be rotated. The key itself is never logged: errors name the variable,
 * never its value.
 *
 * Rotation (`npm run rotate-kek`, scripts/custody/rotate-kek.ts): the new KEK becomes
 * KEY_ENCRYPTION_KEY (+ _VERSION) and the old one moves to KEY_ENCRYPTION_KEY_PREVIOUS
 * (+ KEY_ENCRYPTION_KEY_PREVIOUS_VERSION). Every new encryption uses the current KEK; decryption
 * picks the KEK by the version stored with the ciphertext (`kekFor`), so the app serves every member
 * while the command re-encrypts their keys. Once no row is left under the previous version, the
 * _PREVIOUS variables can go.
 */
import { ServiceUnavailableError } from "../edge/errors.ts";

export interface Kek {
  version: number;
  key: Buffer;
  /** During a rotation: the KEK of the previous version, accepted for decryption only. */
  previous?: { version: number; key: Buffer };
}

/** The KEK is missing or malformed: custodial accounts are unavailable (the message names the variable, never its value). */
export class KekError extends ServiceUnavailableError {
  override name = "KekError";
  constructor(detail: string) {
    super("custody_unavailable", "custodial accounts are not configured on this server", detail);
  }
}

/** One KEK from its variables; `name` is the variable the messages name (KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_PREVIOUS). */
export function parseKek(raw: string | undefined, rawVersion?: string, name = "KEY_ENCRYPTION_KEY"): Kek {
  if (!raw || !raw.trim()) throw new KekError(`${name} is not set (32 bytes, hex or base64)`);
  const value = raw.trim();
  let key: Buffer | null = null;
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  if (/^[0-9a-fA-F]{64}$/.test(hex)) key = Buffer.from(hex, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const b = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (b.length === 32) key = b;
  }
  if (!key) throw new KekError(`${name} must be 32 bytes as 64 hex digits or base64`);
  if (key.every((b) => b === 0)) throw new KekError(`${name} must not be all zeros`);
  const version = rawVersion === undefined || rawVersion === "" ? 1 : Number(rawVersion);
  if (!Number.isSafeInteger(version) || version < 1 || version > 2 ** 31 - 1) throw new KekError(`${name}_VERSION must be a positive integer`);
  return { version, key };
}

/** The current KEK plus, during a rotation, the previous one (for decryption only). */
export function parseKeyring(env: Record<string, string | undefined>): Kek {
  const current = parseKek(env.KEY_ENCRYPTION_KEY, env.KEY_ENCRYPTION_KEY_VERSION);
  const raw = env.KEY_ENCRYPTION_KEY_PREVIOUS;
  const rawVersion = env.KEY_ENCRYPTION_KEY_PREVIOUS_VERSION;
  if (!raw || !raw.trim()) {
    if (rawVersion) throw new KekError("KEY_ENCRYPTION_KEY_PREVIOUS_VERSION is set without KEY_ENCRYPTION_KEY_PREVIOUS");
    return current;
  }
  if (!rawVersion) throw new KekError("KEY_ENCRYPTION_KEY_PREVIOUS_VERSION is required with KEY_ENCRYPTION_KEY_PREVIOUS (the version its ciphertexts carry)");
  const previous = parseKek(raw, rawVersion, "KEY_ENCRYPTION_KEY_PREVIOUS");
  if (previous.version === current.version) throw new KekError("KEY_ENCRYPTION_KEY_PREVIOUS_VERSION must differ from KEY_ENCRYPTION_KEY_VERSION");
  if (previous.key.equals(current.key)) throw new KekError("KEY_ENCRYPTION_KEY_PREVIOUS must differ from KEY_ENCRYPTION_KEY");
  return { ...current, previous: { version: previous.version, key: previous.key } };
}

/** The key of the KEK of `version` (current or previous), or null when none is configured. */
export function kekKeyFor(kek: Kek, version: number): Buffer | null {
  if (version === kek.version) return kek.key;
  if (kek.previous && version === kek.previous.version) return kek.previous.key;
  return null;
}

/** The KEK of this process, from the environment (read once). */
const VARIABLES = ["KEY_ENCRYPTION_KEY", "KEY_ENCRYPTION_KEY_VERSION", "KEY_ENCRYPTION_KEY_PREVIOUS", "KEY_ENCRYPTION_KEY_PREVIOUS_VERSION"] as const;
let cached: { values: string; kek: Kek } | undefined;
export function kekFromEnv(env: Record<string, string | undefined> = process.env): Kek {
  const values = JSON.stringify(VARIABLES.map((v) => env[v] ?? null));
  if (cached && cached.values === values) return cached.kek;
  const kek = parseKeyring(env);
  cached = { values, kek };
  return kek;
}
