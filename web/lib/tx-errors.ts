/** Turns wallet and contract errors into catalog messages (custom errors of the contracts included). */
import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";
import type { MessageKey, Translate } from "./i18n/index.ts";

const KNOWN: Record<string, MessageKey> = {
  InsufficientPoints: "chain.InsufficientPoints",
  ERC20InsufficientBalance: "chain.InsufficientPoints",
  TierTooLow: "chain.TierTooLow",
  RewardSoldOut: "chain.RewardSoldOut",
  RewardIsPaused: "chain.RewardIsPaused",
  RewardNotYetValid: "chain.RewardNotYetValid",
  RewardEnded: "chain.RewardEnded",
  RewardNotRedeemable: "chain.RewardNotRedeemable",
  UnknownCharity: "chain.UnknownCharity",
  RefAlreadyUsed: "chain.RefAlreadyUsed",
  IssuanceAllowanceExceeded: "chain.IssuanceAllowanceExceeded",
  SelfIssuance: "chain.SelfIssuance",
  NotMerchant: "chain.NotMerchant",
  NotRewardMerchant: "chain.NotRewardMerchant",
  AccessControlUnauthorizedAccount: "chain.NotMerchant",
  InvalidReward: "chain.InvalidReward",
  VoucherAlreadyConsumed: "chain.VoucherAlreadyConsumed",
  VoucherSignatureExpired: "chain.VoucherSignatureExpired",
  VoucherNonceUsed: "chain.VoucherNonceUsed",
  InvalidVoucherSignature: "chain.InvalidVoucherSignature",
  SoulboundToken: "chain.SoulboundToken",
  EnforcedPause: "chain.EnforcedPause",
  MerchantNotActive: "chain.MerchantNotActive",
  AccountMigratedAway: "chain.AccountMigratedAway",
  ERC20InvalidReceiver: "error.address.malformed",
};

/** An error answer of this site's own API ({ error: { code, message, revertName? } }). */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly revertName?: string,
    /** The error object's other fields (e.g. what an account still holds). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.revertName && KNOWN[error.revertName]) return t(KNOWN[error.revertName]!);
    if (error.revertName) return t("chain.reverted", { reason: error.revertName });
    // The account's own refusals (deleted, moved, revoked…) in the page's language.
    const key = `apiError.${error.code}` as MessageKey;
    const text = t(key);
    return text === key ? error.message : text;
  }
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError)) return t("error.rejected");
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    const name = reverted?.data?.errorName;
    if (name && KNOWN[name]) return t(KNOWN[name]!);
    if (name) return t("chain.reverted", { reason: name });
    if ((error as { code?: number }).code === 4001) return t("error.rejected");
    return error.shortMessage || t("error.unknown");
  }
  if (error && typeof error === "object" && (error as { code?: number }).code === 4001) return t("error.rejected");
  return error instanceof Error ? error.message : t("error.unknown");
}
