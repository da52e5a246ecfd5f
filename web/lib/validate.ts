/**
 * Form input checks shared by every form (client before sending, server routes too).
 * Amounts are parsed into bigint from the exact text the person typed: never through Number.
 */
import { getAddress, isAddress, zeroAddress, type Address } from "viem";
import type { MessageKey } from "./i18n/index.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: MessageKey; vars?: Record<string, string | bigint> };

/** Upper bound of any amount typed in a form: far above any real balance, below uint96. */
export const MAX_AMOUNT = 10n ** 24n;

export function parsePoints(input: string, options: { max?: bigint; allowZero?: boolean; maxKey?: MessageKey } = {}): Parsed<bigint> {
  const text = input.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (text === "") return { ok: false, error: "error.amount.required" };
  if (/^-/.test(text)) return { ok: false, error: "error.amount.negative" };
  if (/^\+?\d*[.,]\d*$/.test(text) && /\d/.test(text)) return { ok: false, error: "error.amount.decimal" };
  if (!/^\+?\d+$/.test(text)) return { ok: false, error: "error.amount.notNumber" };
  const value = BigInt(text.replace(/^\+/, ""));
  if (value === 0n && !options.allowZero) return { ok: false, error: "error.amount.zero" };
  if (value > MAX_AMOUNT) return { ok: false, error: "error.amount.tooLarge" };
  if (options.max !== undefined && value > options.max) {
    return { ok: false, error: options.maxKey ?? "error.amount.aboveBalance", vars: { max: options.max } };
  }
  return { ok: true, value };
}

export function parseAddress(input: string, options: { notSelf?: string } = {}): Parsed<Address> {
  const text = input.trim();
  if (text === "") return { ok: false, error: "error.address.required" };
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) return { ok: false, error: "error.address.malformed" };
  // Mixed case must carry a valid EIP-55 checksum (a typo is then caught).
  if (!isAddress(text, { strict: true })) return { ok: false, error: "error.address.checksum" };
  const address = getAddress(text);
  if (address === zeroAddress) return { ok: false, error: "error.address.zero" };
  if (options.notSelf && address.toLowerCase() === options.notSelf.toLowerCase()) return { ok: false, error: "error.address.self" };
  return { ok: true, value: address };
}

/** Whole number in [min, max] (ids, supply caps, tiers, days). */
export function parseInteger(input: string, min: bigint, max: bigint): Parsed<bigint> {
  const r = parsePoints(input, { allowZero: min === 0n });
  if (!r.ok) return r.error === "error.amount.aboveBalance" ? { ok: false, error: "error.integer.range" } : r;
  if (r.value < min || r.value > max) return { ok: false, error: "error.integer.range", vars: { min, max } };
  return r;
}

export function parseText(input: string, maxLength: number): Parsed<string> {
  const text = input.trim();
  if (text === "") return { ok: false, error: "error.text.required" };
  if (text.length > maxLength) return { ok: false, error: "error.text.tooLong", vars: { max: BigInt(maxLength) } };
  return { ok: true, value: text };
}
