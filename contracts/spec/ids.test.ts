import { describe, expect, it } from "vitest";
import { decodeTokenId, encodeTokenId, rewardIdOf, serialOf, TOKEN_ID_SPAN, TokenIdError } from "./ids.ts";

describe("token ids", () => {
  it("put the reward id above the 128 serial bits", () => {
    expect(TOKEN_ID_SPAN).toBe(340282366920938463463374607431768211456n);
    expect(encodeTokenId(1n, 1n)).toBe(TOKEN_ID_SPAN + 1n);
    expect(encodeTokenId(6n, 2n)).toBe(6n * TOKEN_ID_SPAN + 2n);
  });

  it("round-trip at the edges of both halves", () => {
    const max = TOKEN_ID_SPAN - 1n;
    for (const [rewardId, serial] of [[0n, 0n], [1n, 1n], [1n, max], [max, 1n], [max, max], [2n ** 100n, 2n ** 127n + 1n]] as const) {
      const tokenId = encodeTokenId(rewardId, serial);
      expect(decodeTokenId(tokenId)).toEqual({ rewardId, serial });
      expect([rewardIdOf(tokenId), serialOf(tokenId)]).toEqual([rewardId, serial]);
    }
  });

  it("refuse halves that would overflow into the other", () => {
    expect(() => encodeTokenId(1n, TOKEN_ID_SPAN)).toThrow(TokenIdError);
    expect(() => encodeTokenId(TOKEN_ID_SPAN, 1n)).toThrow(TokenIdError);
    expect(() => encodeTokenId(-1n, 1n)).toThrow(TokenIdError);
    expect(() => decodeTokenId(1n << 256n)).toThrow(TokenIdError);
  });
});
