/**
 * Reward token ids, as RewardNFT mints them: `rewardId << 128 | serial`, so a token's reward is
 * read from its id without storage. The serial is the reward's mint count at minting (1, 2, …).
 */

/** Bits of a token id that hold the serial; the reward id sits above them. */
export const SERIAL_BITS = 128n;

/** 2^128: one reward's span of token ids (token id = rewardId × TOKEN_ID_SPAN + serial). */
export const TOKEN_ID_SPAN = 1n << SERIAL_BITS;

const MAX_SERIAL = TOKEN_ID_SPAN - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;

export class TokenIdError extends RangeError {
  override name = "TokenIdError";
}

export interface DecodedTokenId {
  rewardId: bigint;
  serial: bigint;
}

/** The id of the `serial`-th token of `rewardId` (RewardNFT._mintReward). */
export function encodeTokenId(rewardId: bigint, serial: bigint): bigint {
  if (rewardId < 0n || rewardId > MAX_SERIAL) throw new TokenIdError(`reward id ${rewardId} is outside 0..2^128-1`);
  if (serial < 0n || serial > MAX_SERIAL) throw new TokenIdError(`serial ${serial} is outside 0..2^128-1`);
  return (rewardId << SERIAL_BITS) | serial;
}

/** The reward a token belongs to (RewardNFT.rewardOf). */
export function rewardIdOf(tokenId: bigint): bigint {
  return tokenId >> SERIAL_BITS;
}

/** The token's place in its reward's mints (the low 128 bits, which tokenURI shows). */
export function serialOf(tokenId: bigint): bigint {
  return tokenId & MAX_SERIAL;
}

export function decodeTokenId(tokenId: bigint): DecodedTokenId {
  if (tokenId < 0n || tokenId > MAX_UINT256) throw new TokenIdError(`token id ${tokenId} is not a uint256`);
  return { rewardId: rewardIdOf(tokenId), serial: serialOf(tokenId) };
}

/**
 * SQL for the reward id (a bigint: ids count from 1) of a `numeric` token id expression. `div` is
 * an integer division: a plain `/` on numeric rounds, and `::bigint` of it would give the next
 * reward for serials ≥ 2^127.
 */
export const rewardIdSql = (tokenIdExpr: string) => `div(${tokenIdExpr}, ${TOKEN_ID_SPAN})::bigint`;
