/**
 * Password hashing: argon2id (@node-rs/argon2, prebuilt native binaries) with OWASP's parameters
 * (19 MiB, 2 passes, 1 lane); the PHC string carries its own salt and parameters.
 */
import { hash, verify } from "@node-rs/argon2";

/** Algorithm.Argon2id (an ambient const enum, which isolatedModules cannot read). */
const ARGON2ID = 2;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password or a hash that is not argon2id (never throws on bad input). */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  if (!phc.startsWith("$argon2id$")) return false;
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/** A hash of a random password, to spend the same time when the email is unknown. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`));
}
