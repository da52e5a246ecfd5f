/** The JSON form of a signed forward request (POST /api/relay), checked into its typed form. */
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";
import type { SignedForwardRequest } from "./types.ts";

const UINT = /^\d{1,30}$/;

/** The wire form (numbers as JSON integers or decimal strings) into a typed request, or why not. */
export function parseForwardRequest(body: unknown): SignedForwardRequest | string {
  const r = (body as { request?: Record<string, unknown> } | null)?.request;
  if (!r || typeof r !== "object") return "expected { request: { from, to, value, gas, deadline, data, signature } }";
  const uint = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : typeof v === "string" && UINT.test(v) ? BigInt(v) : null);
  const [value, gas, deadline] = [uint(r.value), uint(r.gas), uint(r.deadline)];
  if (typeof r.from !== "string" || !isAddress(r.from, { strict: false })) return "from must be an address";
  if (typeof r.to !== "string" || !isAddress(r.to, { strict: false })) return "to must be an address";
  if (value === null || gas === null || deadline === null || deadline > 2n ** 48n - 1n) return "value, gas and deadline must be whole numbers";
  if (typeof r.data !== "string" || !isHex(r.data) || r.data.length % 2 !== 0) return "data must be hex";
  if (typeof r.signature !== "string" || !isHex(r.signature) || r.signature.length > 2 + 2 * 1024) return "signature must be hex";
  return { from: getAddress(r.from) as Address, to: getAddress(r.to) as Address, value, gas, deadline: Number(deadline), data: r.data as Hex, signature: r.signature as Hex };
}
