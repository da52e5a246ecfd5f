import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONTRACT_ERROR_NAMES, isContractErrorName } from "./errors.ts";

const SOURCES = ["contracts/points", "contracts/rewards", "contracts/metatx"];

describe("contract error names", () => {
  it("hold every custom error the programme's Solidity sources declare", () => {
    const declared = SOURCES.flatMap((dir) =>
      readdirSync(dir).filter((f) => f.endsWith(".sol")).flatMap((f) => [...readFileSync(path.join(dir, f), "utf8").matchAll(/^\s*error (\w+)\(/gm)].map((m) => m[1])),
    );
    expect(declared.length).toBeGreaterThan(30);
    expect(declared.filter((name) => !CONTRACT_ERROR_NAMES.has(name as never))).toEqual([]);
  });

  it("hold the OpenZeppelin errors the contracts inherit", () => {
    for (const name of ["AccessControlUnauthorizedAccount", "EnforcedPause", "ERC20InsufficientBalance", "ERC2771ForwarderExpiredRequest"]) {
      expect(isContractErrorName(name), name).toBe(true);
    }
    expect(isContractErrorName("Error")).toBe(false);
  });
});
