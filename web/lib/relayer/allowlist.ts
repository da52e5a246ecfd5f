/**
 * What the relayer agrees to pay gas for: the program's own contracts, a few of their functions,
 * each with a gas cap, and only calls that do something. Calldata is decoded with the generated
 * ABIs and must be exactly the encoding of its decoded arguments (nothing after a valid call:
 * trailing bytes cost the relayer calldata gas and could mean something to another reader).
 * Anything else would let anyone spend the relayer's funds.
 */
import { decodeFunctionData, encodeFunctionData, getAddress, type Abi, type Address, type Hex } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { MAX_PURCHASE_BATCH } from "../../../contracts/spec/events.ts";

export interface ProgramAddresses {
  points: Address;
  rewards: Address;
  forwarder: Address;
}

/**
 * The cap of a call that carries a list of entries (a batch): `base + perEntry × entries`, for 1 to
 * `maxEntries` entries in its argument `entriesArg` (an empty or oversized batch is refused).
 */
export interface PerEntryCap {
  base: bigint;
  perEntry: bigint;
  entriesArg: number;
  maxEntries: number;
}

/** Per allowed function, the most gas its call may take (measured cost × ~2, see README). */
export type GasCaps = { points: Readonly<Record<string, bigint | PerEntryCap>>; rewards: Readonly<Record<string, bigint | PerEntryCap>> };

/**
 * Members' forwarded requests: their own points and reward tokens, nothing administrative. The cap
 * bounds the `gas` a member signs for the inner call (which the relayer pays).
 */
export const FORWARD_ALLOWED: GasCaps = {
  points: { transfer: 120_000n, donate: 150_000n },
  rewards: { redeem: 400_000n, transferFrom: 150_000n, safeTransferFrom: 150_000n },
};

/**
 * The relayer's own calls (issuing and refunding as a merchant's agent, migrations, the keeper's
 * expiries): the cap bounds the transaction's gas.
 */
export const CALL_ALLOWED: GasCaps = {
  points: {
    issueFor: 300_000n,
    // Purchases coalesced by the purchase API (lib/purchases/batcher.ts): ~36k gas per purchase to a
    // member holding points, ~60k to a first-time member, plus the call's own ~60k.
    issuePurchasesFor: { base: 150_000n, perEntry: 100_000n, entriesArg: 1, maxEntries: MAX_PURCHASE_BATCH },
    clawbackFor: 200_000n,
    migrateAccount: 300_000n,
    expire: 100_000n,
  },
  // 100 tokens per call (lib/custody/move.ts): ~1.2M gas.
  rewards: { migrateTokens: 2_000_000n },
};

export type Allowed =
  | { ok: true; contract: "points" | "rewards"; functionName: string; args: readonly unknown[]; maxGas: bigint }
  | { ok: false; reason: string };

/** Whether `data` sent to `to` is one of `allowed`'s functions, canonically encoded. */
export function checkAllowed(addresses: ProgramAddresses, allowed: GasCaps, to: Address, data: Hex): Allowed {
  const target = getAddress(to);
  const contract = target === getAddress(addresses.points) ? "points" : target === getAddress(addresses.rewards) ? "rewards" : null;
  if (!contract) return { ok: false, reason: `target ${target} is not a program contract` };
  const abi: Abi = contract === "points" ? loyaltyPointsAbi : rewardNftAbi;
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi, data }) as never;
  } catch {
    return { ok: false, reason: `calldata ${data.slice(0, 10)} is no function of ${contract}` };
  }
  const cap = allowed[contract][decoded.functionName];
  if (cap === undefined) return { ok: false, reason: `${contract}.${decoded.functionName} is not relayed` };
  const args = decoded.args ?? [];
  let maxGas: bigint;
  if (typeof cap === "bigint") maxGas = cap;
  else {
    const entries = (args[cap.entriesArg] as readonly unknown[] | undefined)?.length ?? 0;
    if (entries < 1 || entries > cap.maxEntries) return { ok: false, reason: `${contract}.${decoded.functionName} takes 1 to ${cap.maxEntries} entries, not ${entries}` };
    maxGas = cap.base + cap.perEntry * BigInt(entries);
  }
  let canonical: Hex;
  try {
    canonical = encodeFunctionData({ abi, functionName: decoded.functionName, args } as never);
  } catch {
    return { ok: false, reason: `calldata of ${contract}.${decoded.functionName} does not re-encode` };
  }
  if (canonical.toLowerCase() !== data.toLowerCase()) return { ok: false, reason: `calldata of ${contract}.${decoded.functionName} is not its canonical encoding (extra bytes)` };
  return { ok: true, contract, functionName: decoded.functionName, args, maxGas };
}

/**
 * Why a well-formed call would do nothing worth paying for (null: it is useful). `from` is the
 * member of a forwarded request (null for the relayer's own calls). Points and tokens move only
 * between two different accounts, in a positive amount, out of the member's own holdings.
 */
export function uselessCall(functionName: string, args: readonly unknown[], from: Address | null): string | null {
  const same = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && getAddress(a) === getAddress(b);
  switch (functionName) {
    case "transfer":
    case "donate":
      if ((args[1] as bigint) <= 0n) return `a ${functionName} of 0 points does nothing`;
      if (from && same(args[0], from)) return `a ${functionName} to oneself does nothing`;
      return null;
    case "transferFrom":
    case "safeTransferFrom":
      if (args.length !== 3) return "safeTransferFrom with data is not relayed";
      if (!from || !same(args[0], from)) return "only the member's own tokens are relayed";
      if (same(args[1], from)) return "a transfer to oneself does nothing";
      return null;
    case "issueFor":
      return (args[2] as bigint) > 0n ? null : "an issuance of 0 points does nothing";
    case "issuePurchasesFor": {
      // Every entry must issue something, each under its own ref: the relayer pays for no entry the
      // contract would skip before looking (0 points, no member, a ref twice in the batch).
      const purchases = args[1] as readonly { member: Address; amount: bigint; ref: string }[];
      if (purchases.some((p) => p.amount <= 0n)) return "a purchase of 0 points does nothing";
      if (purchases.some((p) => same(p.member, "0x0000000000000000000000000000000000000000") || same(p.member, args[0]))) return "a purchase for no member or for the merchant itself does nothing";
      if (new Set(purchases.map((p) => p.ref.toLowerCase())).size !== purchases.length) return "a ref twice in one batch issues once";
      return null;
    }
    case "clawbackFor":
      return (args[2] as bigint) > 0n ? null : "a refund of 0 points does nothing";
    case "migrateTokens":
      return (args[2] as readonly unknown[]).length > 0 ? null : "a migration of no tokens does nothing";
    default:
      return null;
  }
}

/** Functions that hand a reward token to `args[1]`: relayed only to accounts without code. */
export const NFT_TRANSFERS: readonly string[] = ["transferFrom", "safeTransferFrom"];
