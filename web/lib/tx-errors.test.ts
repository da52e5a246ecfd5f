import { BaseError, ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { rewardNftAbi } from "../../contracts/generated/contracts.ts";
import { CONTRACT_ERROR_NAMES } from "../../contracts/spec/index.ts";
import { LOCALES } from "./i18n/index.ts";
import { CATALOGS, translator } from "./i18n/catalogs.ts";
import { ApiError, CONTRACT_ERROR_MESSAGES, contractErrorMessage, describeError } from "./tx-errors.ts";

describe("contract error messages", () => {
  it("give every error of the ABIs a message in every locale", () => {
    for (const name of CONTRACT_ERROR_NAMES) {
      const key = contractErrorMessage(name);
      expect(key, name).not.toBeNull();
      for (const locale of LOCALES) expect(CATALOGS[locale][key!], `${locale} ${name}`).toMatch(/\S/);
    }
    expect(Object.keys(CONTRACT_ERROR_MESSAGES).sort()).toEqual([...CONTRACT_ERROR_NAMES].sort());
  });

  it("name the refusals the programme's own contracts raise, each with its own message", () => {
    for (const name of ["MerchantNotActive", "UnknownReward", "NotExpirable", "ClawbackExceedsIssuance", "MigrationTargetNotEmpty", "NotIssuingAgent"]) {
      expect(contractErrorMessage(name)).toBe(`chain.${name}`);
    }
  });

  it("describe an API answer's revert in the page's language, and an unknown name as such", () => {
    const fr = translator("fr");
    const en = translator("en");
    expect(describeError(new ApiError(409, "reverted", "UnknownReward()", "UnknownReward"), en)).toBe("This reward does not exist.");
    expect(describeError(new ApiError(409, "reverted", "UnknownReward()", "UnknownReward"), fr)).toBe("Cette récompense n'existe pas.");
    expect(describeError(new ApiError(409, "reverted", "x", "toString"), en)).toBe("Refused by the ledger: toString.");
  });

  it("recognise viem's errors by name along the cause chain (no viem class shipped to the browser)", () => {
    const en = translator("en");
    const data = encodeErrorResult({ abi: rewardNftAbi, errorName: "UnknownReward", args: [99n] });
    const reverted = new ContractFunctionExecutionError(new ContractFunctionRevertedError({ abi: rewardNftAbi, data, functionName: "redeem" }) as BaseError, {
      abi: rewardNftAbi,
      functionName: "redeem",
      args: [99n],
    });
    expect(describeError(reverted, en)).toBe("This reward does not exist.");
    const rejected = new BaseError("the wallet said no", { cause: new UserRejectedRequestError(new Error("User rejected the request.")) });
    expect(describeError(rejected, en)).toBe("You cancelled in your wallet: nothing was sent.");
    expect(describeError(new BaseError("Something odd."), en)).toBe("Something odd.");
    expect(describeError(Object.assign(new Error("no"), { code: 4001 }), en)).toBe("You cancelled in your wallet: nothing was sent.");
    expect(describeError(new Error("plain"), en)).toBe("plain");
  });
});
