/**
 * ERC-2771 forward requests of custodial members, built and signed on the server with the member's
 * key (OpenZeppelin ERC2771Forwarder's ForwardRequestData), for the relayer to submit
 * (web/lib/relayer). Also the per-member lock that keeps two actions of one member from signing
 * the same forwarder nonce.
 *
 * Security: the key is only held by the caller (a viem account decrypted for this request); nothing
 * here logs. The deadline is short, so a request that was never relayed cannot be replayed later.
 */
import { concat, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { loyaltyForwarderAbi } from "../../../contracts/generated/contracts.ts";
import { forwarderDomain, forwardRequestTypes } from "../../../contracts/typed-data.ts";
import type { SignedForwardRequest } from "../relayer/types.ts";
import { withPooledAdvisoryLock } from "../../../scripts/lib/advisory-lock.ts";
import type { PoolLike } from "../../../scripts/lib/queryable.ts";

export type { SignedForwardRequest };

export interface ForwardContext {
  client: PublicClient;
  chainId: number;
  forwarder: Address;
  /** Seconds the request stays valid (default 120). */
  ttlSeconds?: number;
  now?: () => number;
}

export const FORWARD_TTL_SECONDS = 120;

/** The EIP-712 ForwardRequest message `from` signs (nonce: the forwarder's current one). */
export async function forwardRequestMessage(client: PublicClient, forwarder: Address, from: Address, call: { to: Address; data: Hex; gas: bigint }, ttlSeconds = FORWARD_TTL_SECONDS, nowMs = Date.now()) {
  const nonce = await client.readContract({ address: forwarder, abi: loyaltyForwarderAbi, functionName: "nonces", args: [from] });
  const deadline = Math.floor(nowMs / 1000) + ttlSeconds;
  return { from, to: call.to, value: 0n, gas: call.gas, nonce, deadline, data: call.data };
}

/** The request the relayer submits: the signed message without its nonce (the forwarder reads it). */
export function signedRequest(message: Awaited<ReturnType<typeof forwardRequestMessage>>, signature: Hex): SignedForwardRequest {
  return { from: message.from, to: message.to, value: message.value, gas: message.gas, deadline: message.deadline, data: message.data, signature };
}

/**
 * Signs `account`'s request to call `to` with `data` through the forwarder, with the forwarder's
 * current nonce of the account: callers serialize the actions of one account (withMemberLock) from
 * here until the request is mined, or two requests would carry the same nonce and one would fail.
 */
export async function signForwardRequest(account: LocalAccount, call: { to: Address; data: Hex; gas: bigint }, ctx: ForwardContext): Promise<SignedForwardRequest> {
  const message = await forwardRequestMessage(ctx.client, ctx.forwarder, account.address, call, ctx.ttlSeconds, ctx.now?.());
  const signature = await account.signTypedData({ domain: forwarderDomain(ctx.chainId, ctx.forwarder), types: forwardRequestTypes, primaryType: "ForwardRequest", message });
  return signedRequest(message, signature);
}

/**
 * The gas limit of a forwarded call: the target's own estimate when the forwarder calls it for
 * `from` (ERC-2771 appends the sender to the calldata), plus a margin for the forwarder's checks.
 * Throws viem's revert error (with the custom error's name) when the call would revert.
 */
export async function estimateForwardedGas(client: PublicClient, forwarder: Address, from: Address, call: { to: Address; data: Hex }): Promise<bigint> {
  const gas = await client.estimateGas({ account: forwarder, to: call.to, data: concat([call.data, from]) });
  return (gas * 13n) / 10n + 20_000n;
}

/** Advisory-lock namespace of the member locks (the first key of the two-key form). */
const MEMBER_LOCK = 0x6d656d62; // "memb"

export class MemberBusyError extends Error {
  override name = "MemberBusyError";
}

/**
 * Runs `fn` holding a Postgres advisory lock on `address` (any web server, one action of a member
 * at a time). When another action of the member holds it, MemberBusyError at once (429 busy): a
 * waiting request would keep a connection of the shared lock pool, and a member sending many
 * actions at once would hold them all while other members' actions waited for one.
 */
export async function withMemberLock<T>(pool: PoolLike, address: Address, fn: () => Promise<T>): Promise<T> {
  return withPooledAdvisoryLock(pool, { namespace: MEMBER_LOCK, name: address.toLowerCase() }, fn, {
    wait: false,
    busy: () => new MemberBusyError("another action of this member is still running: try again in a moment"),
  });
}
