/** The voucher payload a member shows as a QR code and a merchant pastes or scans. */
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

export const VOUCHER_TAG = "fidelite-voucher";

export interface VoucherPayload {
  chainId: number;
  contract: Address;
  tokenId: bigint;
  holder: Address;
  merchant: Address;
  nonce: bigint;
  deadline: bigint;
  signature: Hex;
}

export function encodeVoucher(v: VoucherPayload): string {
  return JSON.stringify({
    t: VOUCHER_TAG,
    v: 1,
    c: v.chainId,
    k: v.contract,
    id: v.tokenId.toString(),
    h: v.holder,
    m: v.merchant,
    n: v.nonce.toString(),
    d: v.deadline.toString(),
    s: v.signature,
  });
}

const uint = (x: unknown) => (typeof x === "string" && /^\d{1,78}$/.test(x) ? BigInt(x) : null);

/** Parses a pasted or scanned payload; null when it is not a well-formed voucher. */
export function decodeVoucher(text: string): VoucherPayload | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text.trim());
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object" || raw.t !== VOUCHER_TAG || raw.v !== 1) return null;
  const tokenId = uint(raw.id);
  const nonce = uint(raw.n);
  const deadline = uint(raw.d);
  if (tokenId === null || nonce === null || deadline === null) return null;
  if (typeof raw.c !== "number" || !Number.isSafeInteger(raw.c)) return null;
  for (const k of ["k", "h", "m"]) if (typeof raw[k] !== "string" || !isAddress(raw[k] as string, { strict: false })) return null;
  if (typeof raw.s !== "string" || !isHex(raw.s) || raw.s.length < 132) return null;
  return {
    chainId: raw.c,
    contract: getAddress(raw.k as string),
    tokenId,
    holder: getAddress(raw.h as string),
    merchant: getAddress(raw.m as string),
    nonce,
    deadline,
    signature: raw.s as Hex,
  };
}
