import { describe, expect, it } from "vitest";
import { redeemBlocker } from "./rules.ts";
import { parseAddress, parseInteger, parsePoints } from "./validate.ts";
import { decodeVoucher, encodeVoucher } from "./voucher.ts";
import { en } from "./i18n/messages/en.ts";
import { fr } from "./i18n/messages/fr.ts";
import { encodeTokenId } from "../../contracts/spec/index.ts";

describe("parsePoints", () => {
  it("accepts whole points as bigint, with spaces and a plus sign", () => {
    expect(parsePoints("150")).toEqual({ ok: true, value: 150n });
    expect(parsePoints(" 1 200 ")).toEqual({ ok: true, value: 1200n });
    expect(parsePoints("+7")).toEqual({ ok: true, value: 7n });
    expect(parsePoints("123456789012345678901")).toEqual({ ok: true, value: 123456789012345678901n });
  });
  it.each([
    ["", "error.amount.required"],
    ["0", "error.amount.zero"],
    ["-5", "error.amount.negative"],
    ["-0.5", "error.amount.negative"],
    ["12.5", "error.amount.decimal"],
    ["12,5", "error.amount.decimal"],
    [".5", "error.amount.decimal"],
    ["abc", "error.amount.notNumber"],
    ["1e3", "error.amount.notNumber"],
    ["0x10", "error.amount.notNumber"],
    ["NaN", "error.amount.notNumber"],
    ["10".repeat(20), "error.amount.tooLarge"],
  ])("refuses %j (%s)", (input, error) => {
    expect(parsePoints(input)).toMatchObject({ ok: false, error });
  });
  it("checks the maximum (the balance)", () => {
    expect(parsePoints("101", { max: 100n })).toMatchObject({ ok: false, error: "error.amount.aboveBalance", vars: { max: 100n } });
    expect(parsePoints("100", { max: 100n })).toEqual({ ok: true, value: 100n });
  });
  it("allows zero only when asked", () => {
    expect(parsePoints("0", { allowZero: true })).toEqual({ ok: true, value: 0n });
  });
});

describe("parseAddress", () => {
  const a = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
  it("accepts checksummed and lowercase addresses", () => {
    expect(parseAddress(a)).toEqual({ ok: true, value: a });
    expect(parseAddress(a.toLowerCase())).toEqual({ ok: true, value: a });
  });
  it.each([
    ["", "error.address.required"],
    ["0x1234", "error.address.malformed"],
    ["23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "error.address.malformed"],
    ["0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8F", "error.address.checksum"],
    ["0x0000000000000000000000000000000000000000", "error.address.zero"],
  ])("refuses %j (%s)", (input, error) => {
    expect(parseAddress(input)).toMatchObject({ ok: false, error });
  });
  it("refuses one's own address when asked", () => {
    expect(parseAddress(a, { notSelf: a.toLowerCase() })).toMatchObject({ ok: false, error: "error.address.self" });
  });
});

describe("parseInteger", () => {
  it("bounds", () => {
    expect(parseInteger("0", 1n, 10n)).toMatchObject({ ok: false });
    expect(parseInteger("11", 1n, 10n)).toMatchObject({ ok: false, error: "error.integer.range" });
    expect(parseInteger("5", 1n, 10n)).toEqual({ ok: true, value: 5n });
  });
});

describe("redeemBlocker", () => {
  const reward = { cost: 300n, supplyCap: 10n, minted: 0n, minTier: 1, validFrom: 0n, validUntil: 0n, mintOnly: false, paused: false, merchantActive: true };
  const member = { balance: 1000n, tier: 1 };
  it("allows an eligible member", () => expect(redeemBlocker(reward, member, 1_000n)).toBeNull());
  it("gives the first reason, in the contract's order", () => {
    expect(redeemBlocker({ ...reward, mintOnly: true }, member, 1n)?.key).toBe("redeem.block.mintOnly");
    expect(redeemBlocker({ ...reward, paused: true }, member, 1n)?.key).toBe("redeem.block.paused");
    expect(redeemBlocker({ ...reward, minted: 10n }, member, 1n)?.key).toBe("redeem.block.soldOut");
    expect(redeemBlocker({ ...reward, validFrom: 100n }, member, 50n)?.key).toBe("redeem.block.notYet");
    expect(redeemBlocker({ ...reward, validUntil: 100n }, member, 150n)?.key).toBe("redeem.block.ended");
    expect(redeemBlocker(reward, { ...member, tier: 0 }, 1n)?.key).toBe("redeem.block.tier");
    expect(redeemBlocker(reward, { ...member, balance: 250n }, 1n)).toEqual({ key: "redeem.block.balance", vars: { missing: 50n } });
    expect(redeemBlocker({ ...reward, merchantActive: false }, member, 1n)?.key).toBe("chain.MerchantNotActive");
  });
  it("stops at the first check RewardNFT.redeem fails", () => {
    const everything = { ...reward, paused: true, mintOnly: true, merchantActive: false, validFrom: 100n, minted: 10n };
    const poor = { balance: 0n, tier: 0 };
    expect(redeemBlocker(everything, poor, 50n)?.key).toBe("redeem.block.paused");
    expect(redeemBlocker({ ...everything, paused: false }, poor, 50n)?.key).toBe("redeem.block.mintOnly");
    expect(redeemBlocker({ ...everything, paused: false, mintOnly: false }, poor, 50n)?.key).toBe("chain.MerchantNotActive");
    expect(redeemBlocker({ ...everything, paused: false, mintOnly: false, merchantActive: true }, poor, 50n)?.key).toBe("redeem.block.notYet");
    expect(redeemBlocker({ ...reward, validUntil: 100n, minted: 10n }, poor, 150n)?.key).toBe("redeem.block.ended");
    expect(redeemBlocker({ ...reward, minted: 10n }, poor, 1n)?.key).toBe("redeem.block.soldOut");
    expect(redeemBlocker(reward, poor, 1n)?.key).toBe("redeem.block.tier");
  });
});

describe("voucher payload", () => {
  const v = {
    chainId: 31337,
    contract: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" as const,
    tokenId: encodeTokenId(1n, 3n),
    holder: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" as const,
    merchant: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const,
    nonce: 123456789012345678901234567890n,
    deadline: 1_900_000_000n,
    signature: `0x${"ab".repeat(65)}` as const,
  };
  it("round-trips", () => expect(decodeVoucher(encodeVoucher(v))).toEqual(v));
  it.each(["", "{}", "not json", '{"t":"fidelite-voucher","v":1}', encodeVoucher(v).replace('"v":1', '"v":2')])("refuses %j", (text) => {
    expect(decodeVoucher(text)).toBeNull();
  });
});

describe("message catalogs", () => {
  it("French has every English key, no empty message, same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(vars(fr[key]), key).toEqual(vars(en[key]));
    }
  });
});
