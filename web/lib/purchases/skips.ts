/**
 * Why a batch skipped a purchase (PurchaseSkipped's reason), in the API's words: the same status,
 * code and message the API answers when issueFor reverts for the same cause (purchases.ts refusal():
 * IssuanceAllowanceExceeded → 409 allowance_exceeded, AccountMigratedAway → 422 member_moved,
 * SelfIssuance → 422 self_issuance). RefAlreadyUsed is the caller's (purchases.ts: it may be this
 * very purchase, issued by an earlier batch).
 */
import { getAddress, type Address } from "viem";
import { loyaltyPointsAbi } from "../../../contracts/generated/contracts.ts";
import type { PurchaseSkipReason } from "../../../contracts/spec/events.ts";
import { fail, type Failure } from "../edge/result.ts";
import type { PurchaseDeps } from "./purchases.ts";

/** `points`: what the purchase asked; the chain is read only for the message (what is left, where the member went). */
export async function skipFailure(deps: Pick<PurchaseDeps, "client" | "points">, merchant: Address, member: Address, points: bigint, reason: PurchaseSkipReason): Promise<Failure> {
  const read = <T>(functionName: "issuanceAllowance" | "migratedTo", args: [Address]) =>
    (deps.client.readContract({ address: deps.points, abi: loyaltyPointsAbi, functionName, args }) as Promise<T>).catch(() => null);
  switch (reason) {
    case "AllowanceExhausted": {
      const available = await read<bigint>("issuanceAllowance", [merchant]);
      return fail(409, "allowance_exceeded", `the merchant's issuance allowance is too small (available ${available ?? "?"} points, needed ${points}): ask the operator for more`);
    }
    case "MemberMigratedAway": {
      const to = await read<Address>("migratedTo", [member]);
      return fail(422, "member_moved", `this member moved to their own wallet ${to ? getAddress(to) : ""}: send that address, or the member's email or id`);
    }
    case "InvalidMember":
      return getAddress(member) === getAddress(merchant)
        ? fail(422, "self_issuance", "a merchant cannot earn points from its own purchases")
        : fail(422, "invalid_member", "this member cannot receive points");
    case "RefAlreadyUsed":
      return fail(409, "issuance_mismatch", "this orderId was already issued on chain by this merchant: nothing was issued for this purchase; send it with another orderId");
    case "ZeroAmount":
    case "AmountOutOfRange":
    case "SupplyCapReached":
      return fail(422, "issuance_refused", `the chain refused this purchase's ${points} points (${reason})`);
  }
}
