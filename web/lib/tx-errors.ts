/**
 * Turns wallet and contract errors into catalog messages (custom errors of the contracts included).
 * viem's errors are recognised by their names along the `cause` chain, not by their classes: this
 * file runs in every page, and importing viem's error classes would ship them all to the browser.
 */
import type { ContractErrorName } from "../../contracts/spec/errors.ts";
import type { MessageKey, Translate } from "./i18n/index.ts";

/**
 * The message of every error the contracts can revert with, keyed by the ABIs' error names: a new
 * error in a contract fails to compile here until it has one. OpenZeppelin's errors share a few
 * messages (a zero address, a bad or expired signature, a token one does not hold…).
 */
export const CONTRACT_ERROR_MESSAGES: Record<ContractErrorName, MessageKey> = {
  // LoyaltyPoints
  ZeroAmount: "chain.ZeroAmount",
  IssuanceAllowanceExceeded: "chain.IssuanceAllowanceExceeded",
  RefAlreadyUsed: "chain.RefAlreadyUsed",
  UnknownIssuance: "chain.UnknownIssuance",
  ClawbackExceedsIssuance: "chain.ClawbackExceedsIssuance",
  SelfIssuance: "chain.SelfIssuance",
  InvalidBatch: "chain.InvalidBatch",
  PurchaseBatchTooLarge: "chain.PurchaseBatchTooLarge",
  NotExpirable: "chain.NotExpirable",
  UnknownCharity: "chain.UnknownCharity",
  InvalidTierThresholds: "chain.InvalidTierThresholds",
  SupplyCapExceeded: "chain.SupplyCapExceeded",
  InvalidAccount: "chain.InvalidAccount",
  NotIssuingAgent: "chain.NotIssuingAgent",
  MigrationToSelf: "chain.MigrationToSelf",
  InvalidMigrationTarget: "chain.InvalidMigrationTarget",
  AccountMigratedAway: "chain.AccountMigratedAway",
  MerchantStillActive: "chain.MerchantStillActive",
  MigrationTargetNotEmpty: "chain.MigrationTargetNotEmpty",
  MigrationSignatureExpired: "chain.MigrationSignatureExpired",
  InvalidMigrationSignature: "chain.InvalidMigrationSignature",
  // RewardNFT
  NotMerchant: "chain.NotMerchant",
  NotRewardMerchant: "chain.NotRewardMerchant",
  UnknownReward: "chain.UnknownReward",
  InvalidReward: "chain.InvalidReward",
  MerchantNotActive: "chain.MerchantNotActive",
  RewardIsPaused: "chain.RewardIsPaused",
  RewardNotRedeemable: "chain.RewardNotRedeemable",
  RewardNotYetValid: "chain.RewardNotYetValid",
  RewardEnded: "chain.RewardEnded",
  RewardSoldOut: "chain.RewardSoldOut",
  TierTooLow: "chain.TierTooLow",
  InsufficientPoints: "chain.InsufficientPoints",
  SoulboundToken: "chain.SoulboundToken",
  VoucherAlreadyConsumed: "chain.VoucherAlreadyConsumed",
  VoucherSignatureExpired: "chain.VoucherSignatureExpired",
  VoucherNonceUsed: "chain.VoucherNonceUsed",
  InvalidVoucherSignature: "chain.InvalidVoucherSignature",
  NotMigrator: "chain.NotMigrator",
  EmptyMigration: "chain.EmptyMigration",
  MigrationTargetMismatch: "chain.MigrationTargetMismatch",
  // OpenZeppelin: access control, pause, reentrancy
  AccessControlUnauthorizedAccount: "chain.AccessControlUnauthorizedAccount",
  AccessControlBadConfirmation: "chain.AccessControlBadConfirmation",
  EnforcedPause: "chain.EnforcedPause",
  ExpectedPause: "chain.ExpectedPause",
  ReentrancyGuardReentrantCall: "chain.ReentrancyGuardReentrantCall",
  // OpenZeppelin: ERC-20 and permits
  ERC20InsufficientBalance: "chain.InsufficientPoints",
  ERC20InsufficientAllowance: "chain.ERC20InsufficientAllowance",
  ERC20InvalidReceiver: "error.address.zero",
  ERC20InvalidSender: "chain.InvalidAccount",
  ERC20InvalidApprover: "chain.InvalidAccount",
  ERC20InvalidSpender: "chain.InvalidAccount",
  ERC2612ExpiredSignature: "chain.SignatureExpired",
  ERC2612InvalidSigner: "chain.InvalidSignature",
  InvalidAccountNonce: "chain.InvalidAccountNonce",
  // OpenZeppelin: ERC-721
  ERC721NonexistentToken: "chain.ERC721NonexistentToken",
  ERC721IncorrectOwner: "chain.NotTokenOwner",
  ERC721InsufficientApproval: "chain.NotTokenOwner",
  ERC721InvalidReceiver: "chain.ERC721InvalidReceiver",
  ERC721InvalidSender: "chain.InvalidAccount",
  ERC721InvalidOwner: "chain.InvalidAccount",
  ERC721InvalidApprover: "chain.InvalidAccount",
  ERC721InvalidOperator: "chain.InvalidAccount",
  // OpenZeppelin: signatures and the forwarder
  ECDSAInvalidSignature: "chain.InvalidSignature",
  ECDSAInvalidSignatureLength: "chain.InvalidSignature",
  ECDSAInvalidSignatureS: "chain.InvalidSignature",
  ERC2771ForwarderInvalidSigner: "chain.InvalidSignature",
  ERC2771ForwarderExpiredRequest: "chain.SignatureExpired",
  ERC2771ForwarderMismatchedValue: "chain.RelayRejected",
  ERC2771ForwarderNoRefundReceiver: "chain.RelayRejected",
  ERC2771UntrustfulTarget: "chain.RelayRejected",
  InsufficientBalance: "chain.RelayRejected",
  FailedCall: "chain.RelayRejected",
  // OpenZeppelin: utilities that should never revert in use
  SafeCastOverflowedUintDowncast: "error.amount.tooLarge",
  StringTooLong: "chain.TextTooLong",
  InvalidShortString: "chain.TextTooLong",
  StringsInsufficientHexLength: "chain.Internal",
};

/** The message of a revert by its error name, or null for a name no contract declares. */
export function contractErrorMessage(name: string): MessageKey | null {
  return Object.hasOwn(CONTRACT_ERROR_MESSAGES, name) ? CONTRACT_ERROR_MESSAGES[name as ContractErrorName] : null;
}

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

/** An error of viem (its BaseError: a short message, `walk` along the causes in `cause`). */
function isViemError(error: unknown): error is Error & { shortMessage: string } {
  return error instanceof Error && typeof (error as { shortMessage?: unknown }).shortMessage === "string" && typeof (error as { walk?: unknown }).walk === "function";
}

/** The first error along `error`'s cause chain (itself included) that `match` accepts. */
function findCause(error: unknown, match: (e: { name?: unknown }) => boolean): object | null {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (match(e as { name?: unknown })) return e;
  }
  return null;
}

function describeRevert(name: string, t: Translate): string {
  const key = contractErrorMessage(name);
  return key ? t(key) : t("chain.reverted", { reason: name });
}

export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.revertName) return describeRevert(error.revertName, t);
    // The account's own refusals (deleted, moved, revoked…) in the page's language.
    const key = `apiError.${error.code}` as MessageKey;
    const text = t(key);
    return text === key ? error.message : text;
  }
  if (isViemError(error)) {
    if (findCause(error, (e) => e.name === "UserRejectedRequestError")) return t("error.rejected");
    const reverted = findCause(error, (e) => e.name === "ContractFunctionRevertedError") as { data?: { errorName?: string } } | null;
    const name = reverted?.data?.errorName;
    if (name) return describeRevert(name, t);
    if ((error as { code?: number }).code === 4001) return t("error.rejected");
    return error.shortMessage || t("error.unknown");
  }
  if (error && typeof error === "object" && (error as { code?: number }).code === 4001) return t("error.rejected");
  return error instanceof Error ? error.message : t("error.unknown");
}
