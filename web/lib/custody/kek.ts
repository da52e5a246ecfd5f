/**
 * The key-encryption key (KEK) of the custodial wallets: 32 bytes from the environment,
 * KEY_ENCRYPTION_KEY (64 hex digits, optionally 0x-prefixed, or base64/base64url of 32 bytes), with
 * its version KEY_ENCRYPTION_KEY_VERSION (a positive integer, default 1) stored beside each
 * ciphertext so the KEK can be rotated. The key itself is never logged: errors name the variable,
 * never its value.
 */
import { ServiceUnavailableError } from "../edge/errors.ts";

export interface Kek {
  version: number;
  key: Buffer;
}

/** The KEK is missing or malformed: custodial accounts are unavailable (the message names the variable, never its value). */
export class KekError extends ServiceUnavailableError {
  override name = "KekError";
  constructor(detail: string) {
    super("custody_unavailable", "custodial accounts are not configured on this server", detail);
  }
}

export function parseKek(raw: string | undefined, rawVersion?: string): Kek {
  if (!raw || !raw.trim()) throw new KekError("KEY_ENCRYPTION_KEY is not set (32 bytes, hex or base64)");
  const value = raw.trim();
  let key: Buffer | null = null;
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  if (/^[0-9a-fA-F]{64}$/.test(hex)) key = Buffer.from(hex, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const b = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (b.length === 32) key = b;
  }
  if (!key) throw new KekError("KEY_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64");
  if (key.every((b) => b === 0)) throw new KekError("KEY_ENCRYPTION_KEY must not be all zeros");
  const version = rawVersion === undefined || rawVersion === "" ? 1 : Number(rawVersion);
  if (!Number.isSafeInteger(version) || version < 1 || version > 2 ** 31 - 1) throw new KekError("KEY_ENCRYPTION_KEY_VERSION must be a positive integer");
  return { version, key };
}

/** The KEK of this process, from the environment (read once). */
let cached: { raw: string | undefined; version: string | undefined; kek: Kek } | undefined;
export function kekFromEnv(env: Record<string, string | undefined> = process.env): Kek {
  const raw = env.KEY_ENCRYPTION_KEY;
  const version = env.KEY_ENCRYPTION_KEY_VERSION;
  if (cached && cached.raw === raw && cached.version === version) return cached.kek;
  const kek = parseKek(raw, version);
  cached = { raw, version, kek };
  return kek;
}
