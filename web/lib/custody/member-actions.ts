/**
 * Custodial members' actions (routes app/api/member/*), independent of Next so they are tested
 * against a real database and chain: the request is validated first (bad input never reaches the
 * key), the account is re-read (deleted, moved, revoked -> refused), then, holding the member's
 * lock, the server decrypts the key, signs an ERC-2771 forward request and the relayer submits it.
 * Answers { status, body } or { status, error: { code, message } }.
 */
import { fail, type Result } from "../edge/result.ts";
import { encodeFunctionData, getAddress, type Address, type Hash, type Hex, type PublicClient } from "viem";
import { loyaltyPointsAbi, rewardNftAbi } from "../../../contracts/generated/contracts.ts";
import { voucherDomain, voucherUseTypes } from "../../../contracts/typed-data.ts";
import { accountState, type SessionLike } from "../auth/account-state.ts";
import { translator } from "../i18n/catalogs.ts";
import { parseAddress, parsePoints, type Parsed } from "../validate.ts";
import type { Kek } from "./kek.ts";
import { estimateForwardedGas, MemberBusyError, signForwardRequest, withMemberLock, type SignedForwardRequest } from "./forward.ts";
import { signingAccount } from "./users.ts";
import type { PoolLike, Queryable } from "../../../scripts/lib/queryable.ts";
import { decodeRevert } from "../chain/errors.ts";
import { RelayRejectedError, type Relayer } from "../relayer/types.ts";

export interface CustodyDeps {
  db: Queryable;
  locks: PoolLike;
  kek: Kek;
  client: PublicClient;
  chainId: number;
  contracts: { points: Address; rewards: Address; forwarder: Address };
  relayer: () => Pick<Relayer, "forward" | "call">;
}

export type ActionName = "transfer" | "donate" | "redeem" | "voucher-signature";

const en = translator("en");
const UINT256_MAX = 2n ** 256n - 1n;
/** The longest a voucher signature may stay valid (the page asks for 24 hours). */
export const MAX_VOUCHER_SECONDS = 7 * 86_400;

/** A uint256 id (reward or token ids are far above any amount: no MAX_AMOUNT cap here). */
function parseUint256(text: string): Parsed<bigint> {
  const t = text.trim();
  if (!/^\d{1,78}$/.test(t) || BigInt(t) > UINT256_MAX) return { ok: false, error: "error.integer.range", vars: { min: 0n, max: UINT256_MAX } };
  return { ok: true, value: BigInt(t) };
}

/** JSON numbers (safe integers) and strings of digits alike, as the form's text. */
const asText = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" && Number.isSafeInteger(v) ? String(v) : null);

function field<T>(value: unknown, parse: (text: string) => Parsed<T>, code: string, name: string): { ok: true; value: T } | { ok: false; result: Result } {
  const text = asText(value);
  if (text === null) return { ok: false, result: fail(400, code, `${name} is required (a string${code === "bad_address" ? "" : " of digits or an integer"})`) };
  const r = parse(text);
  return r.ok ? r : { ok: false, result: fail(400, code, `${name}: ${en(r.error, r.vars as never)}`) };
}

type Plan = { kind: "forward"; to: Address; data: Hex } | { kind: "voucher"; tokenId: bigint; merchant: Address; nonce: bigint; deadline: bigint };

/** The call an action makes, from its body, or the 4xx answer. */
export function planAction(action: ActionName, body: unknown, member: Address, contracts: CustodyDeps["contracts"], nowSeconds: number): Plan | Result {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail(400, "bad_json", "expected a JSON object");
  const b = body as Record<string, unknown>;
  switch (action) {
    case "transfer":
    case "donate": {
      const to = field(action === "transfer" ? b.to : b.charity, (t) => parseAddress(t, { notSelf: member }), "bad_address", action === "transfer" ? "to" : "charity");
      if (!to.ok) return to.result;
      const amount = field(b.amount, (t) => parsePoints(t), "bad_amount", "amount");
      if (!amount.ok) return amount.result;
      const data =
        action === "transfer"
          ? encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "transfer", args: [to.value, amount.value] })
          : encodeFunctionData({ abi: loyaltyPointsAbi, functionName: "donate", args: [to.value, amount.value] });
      return { kind: "forward", to: contracts.points, data };
    }
    case "redeem": {
      const id = field(b.rewardId, (t) => parseUint256(t), "bad_reward", "rewardId");
      if (!id.ok) return id.result;
      return { kind: "forward", to: contracts.rewards, data: encodeFunctionData({ abi: rewardNftAbi, functionName: "redeem", args: [id.value] }) };
    }
    case "voucher-signature": {
      const tokenId = field(b.tokenId, (t) => parseUint256(t), "bad_token", "tokenId");
      if (!tokenId.ok) return tokenId.result;
      const merchant = field(b.merchant, (t) => parseAddress(t), "bad_address", "merchant");
      if (!merchant.ok) return merchant.result;
      const nonce = field(b.nonce, (t) => parseUint256(t), "bad_nonce", "nonce");
      if (!nonce.ok) return nonce.result;
      const deadline = field(b.deadline, (t) => parseUint256(t), "bad_deadline", "deadline");
      if (!deadline.ok) return deadline.result;
      const now = BigInt(nowSeconds);
      if (deadline.value <= now || deadline.value > now + BigInt(MAX_VOUCHER_SECONDS)) return fail(400, "bad_deadline", `deadline must be in the next ${MAX_VOUCHER_SECONDS / 86_400} days`);
      return { kind: "voucher", tokenId: tokenId.value, merchant: merchant.value, nonce: nonce.value, deadline: deadline.value };
    }
  }
}

/** A revert (viem's error of a simulation or an estimate) -> the custom error's name, decoded
 * with the program's ABIs as the relayer does (InsufficientPoints, TierTooLow, …). */
export function revertNameOf(error: unknown): string | null {
  return decodeRevert(error)?.name ?? null;
}

/** A relayer refusal as an answer (nothing was sent); anything else rethrown. */
export function relayRefusal(error: unknown): Result {
  if (error instanceof RelayRejectedError) return fail(error.status, error.code, error.message, { revertName: error.revertName });
  throw error;
}

/** `client.ip`: the client's address, for the relayer's per-IP quota. */
export async function custodialAction(deps: CustodyDeps, session: SessionLike, action: ActionName, body: unknown, client: { ip?: string } = {}): Promise<Result> {
  if (session.kind !== "custodial") return fail(403, "not_custodial", "this action is for email accounts: your wallet signs your own actions");
  const plan = planAction(action, body, session.address, deps.contracts, Math.floor(Date.now() / 1000));
  if ("status" in plan) return plan;
  const state = await accountState(deps.db, session);
  if (!state.ok) return fail(state.status, state.code, state.message);
  try {
    return await withMemberLock(deps.locks, session.address, async () => {
      // Re-checked under the lock: a deletion or a move that finished while this request waited wins.
      const again = await accountState(deps.db, session);
      if (!again.ok) return fail(again.status, again.code, again.message);
      const account = await signingAccount(deps.db, session.address, deps.kek);
      if (!account) return fail(409, "no_custodial_key", "this account has no custodial wallet");
      if (plan.kind === "voucher") {
        const owner = await deps.client.readContract({ address: deps.contracts.rewards, abi: rewardNftAbi, functionName: "ownerOf", args: [plan.tokenId] }).catch(() => null);
        if (!owner || getAddress(owner) !== session.address) return fail(403, "not_owner", "this reward is not yours");
        const signature = await account.signTypedData({
          domain: voucherDomain(deps.chainId, deps.contracts.rewards),
          types: voucherUseTypes,
          primaryType: "VoucherUse",
          message: { tokenId: plan.tokenId, holder: session.address, merchant: plan.merchant, nonce: plan.nonce, deadline: plan.deadline },
        });
        return { status: 200, body: { signature } };
      }
      let gas: bigint;
      try {
        gas = await estimateForwardedGas(deps.client, deps.contracts.forwarder, session.address, plan);
      } catch (e) {
        const name = revertNameOf(e);
        if (name) return fail(422, "would_revert", `the programme refused this action (${name})`, { revertName: name });
        throw e;
      }
      const request = await signForwardRequest(account, { to: plan.to, data: plan.data, gas }, { client: deps.client, chainId: deps.chainId, forwarder: deps.contracts.forwarder });
      try {
        const tx = await deps.relayer().forward(request, { account: `custodial:${session.address}`, ip: client.ip });
        if (tx.status !== "confirmed") return fail(422, "reverted", `the transaction reverted${tx.revertReason ? ` (${tx.revertReason})` : ""}`, { revertName: tx.revertReason });
        return { status: 200, body: { hash: tx.hash, blockNumber: tx.blockNumber, status: tx.status } };
      } catch (e) {
        return relayRefusal(e);
      }
    });
  } catch (e) {
    if (e instanceof MemberBusyError) return fail(429, "busy", e.message);
    throw e;
  }
}
