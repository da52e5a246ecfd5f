// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ILoyaltyPoints
/// @notice The loyalty program's points ledger: roles, issuance, tiers, expiry, donations and the
/// hooks the reward catalog uses. Events carry who, what, how much and why, because the indexer and
/// auditors rebuild the whole program from them.
interface ILoyaltyPoints {
    /// @notice One issuance under a merchant's ref, kept so that a refund can claw it back (a
    /// campaign's has no single member and cannot be).
    struct Issuance {
        address merchant;
        uint96 amount;
        address member;
        uint96 clawedBack;
    }

    /// @notice One purchase of a batch ({LoyaltyPoints-issuePurchases}): `amount` points to `member`
    /// under the merchant's single-use `ref`, exactly as {LoyaltyPoints-issue} would.
    struct Purchase {
        address member;
        uint256 amount;
        bytes32 ref;
    }

    /// @notice Why a purchase of a batch issued nothing ({PurchaseSkipped}); the other purchases of
    /// the batch still issue. Order matters: the ABI carries the index (contracts/spec/events.ts
    /// names them in the same order).
    enum SkipReason {
        ZeroAmount, // the amount is zero
        RefAlreadyUsed, // the merchant used this ref before (an earlier batch, an issue, or earlier in this batch)
        MemberMigratedAway, // the member's account moved ({LoyaltyPoints-migrateAccount}): its key is gone
        AllowanceExhausted, // the merchant's remaining allowance is below the amount at this point of the batch
        InvalidMember, // the zero address, or the merchant itself
        AmountOutOfRange, // above what an issuance (uint96) or a lifetime (uint104) can hold
        SupplyCapReached // the supply would exceed the uint112 cap of every balance
    }

    // ---------------------------------------------------------------- events

    /// @notice `merchant` joined the coalition under `name` with an issuance allowance.
    event MerchantOnboarded(address indexed merchant, string name, uint256 allowance);
    /// @notice `merchant` left the coalition; it can no longer issue points or create rewards.
    event MerchantOffboarded(address indexed merchant);
    /// @notice The operator changed how many more points `merchant` may issue.
    event IssuanceAllowanceSet(address indexed merchant, uint256 previousAllowance, uint256 newAllowance);
    /// @notice `merchant` issued `amount` points to `member` for `ref` (a purchase or a campaign).
    event PointsIssued(address indexed merchant, address indexed member, bytes32 indexed ref, uint256 amount);
    /// @notice `merchant` took back `amount` points that `ref` had issued to `member` (a refund).
    event PointsClawedBack(address indexed merchant, address indexed member, bytes32 indexed ref, uint256 amount);
    /// @notice `member` spent `amount` points on reward `rewardId`.
    event PointsRedeemed(address indexed member, uint256 indexed rewardId, uint256 amount);
    /// @notice `member`'s whole balance expired after inactivity since `lastActivity`.
    event PointsExpired(address indexed member, uint256 amount, uint256 lastActivity, address indexed triggeredBy);
    /// @notice `member` gave `amount` points to the registered charity `charity`.
    event PointsDonated(address indexed member, address indexed charity, uint256 amount);
    /// @notice The operator registered `charity` as a donation target.
    event CharityRegistered(address indexed charity, string name);
    /// @notice The operator removed `charity` from the donation targets.
    event CharityRemoved(address indexed charity);
    /// @notice Lifetime earned points needed for each tier above the base tier 0, ascending.
    event TierThresholdsSet(uint256[] thresholds);
    /// @notice Points of a member with no activity for `period` seconds may be expired (0: never).
    event InactivityPeriodSet(uint256 previousPeriod, uint256 newPeriod);
    /// @notice `merchant` allowed (`authorized` true) or stopped `agent` issuing and clawing back on its behalf.
    event IssuingAgentSet(address indexed merchant, address indexed agent, bool authorized);
    /// @notice With `from`'s signed consent, a migrator moved `from`'s whole account to `to`: its
    /// `balance` (also a {Transfer} in the same transaction) and its `lifetimeEarned` points.
    event AccountMigrated(address indexed from, address indexed to, uint256 balance, uint256 lifetimeEarned);

    /// @notice A purchase of `merchant`'s batch issued nothing for `reason`; its `ref` stays unused
    /// unless the reason is {SkipReason.RefAlreadyUsed} (another issuance holds it).
    event PurchaseSkipped(address indexed merchant, bytes32 indexed ref, SkipReason reason);

    // ---------------------------------------------------------------- errors

    /// @dev `amount` is zero where a positive amount is required.
    error ZeroAmount();
    /// @dev `merchant` asked to issue `requested` points with only `available` left in its allowance.
    error IssuanceAllowanceExceeded(address merchant, uint256 available, uint256 requested);
    /// @dev The merchant has already used `ref` for an issuance.
    error RefAlreadyUsed(bytes32 ref);
    /// @dev The merchant's `ref` issued nothing that can be clawed back (never used, a campaign, or
    /// another merchant's ref: refs are per merchant).
    error UnknownIssuance(bytes32 ref);
    /// @dev Clawing back `requested` points of `ref` exceeds the `remaining` it issued.
    error ClawbackExceedsIssuance(bytes32 ref, uint256 remaining, uint256 requested);
    /// @dev A merchant cannot issue points to itself.
    error SelfIssuance(address merchant);
    /// @dev The batch's `members` and `amounts` differ in length, or are empty.
    error InvalidBatch();
    /// @dev A batch of purchases holds `length` entries, above the `max` one transaction may carry.
    error PurchaseBatchTooLarge(uint256 length, uint256 max);
    /// @dev `member` has been active too recently to expire: it may expire at `expiresAt`.
    error NotExpirable(address member, uint256 expiresAt);
    /// @dev `charity` is not a registered charity.
    error UnknownCharity(address charity);
    /// @dev Tier thresholds must be positive and strictly ascending.
    error InvalidTierThresholds();
    /// @dev Minting `amount` would take the total supply above `cap`.
    error SupplyCapExceeded(uint256 amount, uint256 cap);
    /// @dev `account` is the zero address where a real account is required.
    error InvalidAccount(address account);
    /// @dev `agent` is not authorized to issue or claw back on behalf of `merchant`.
    error NotIssuingAgent(address merchant, address agent);
    /// @dev An account cannot be migrated onto itself.
    error MigrationToSelf(address account);
    /// @dev `to` cannot receive a member's account: the zero address, a merchant, a charity or an
    /// account that migrated away.
    error InvalidMigrationTarget(address to);
    /// @dev `account` moved to `to` ({migrateAccount}): it receives nothing any more (points go to
    /// `to`) and cannot move again.
    error AccountMigratedAway(address account, address to);
    /// @dev `merchant` is still in the coalition: it refunds its purchases itself.
    error MerchantStillActive(address merchant);
    /// @dev `to` holds points, has lifetime earned or already received an account: a migration
    /// target must be a wallet with no history, so that no tier is reached by pooling accounts.
    error MigrationTargetNotEmpty(address to);
    /// @dev The migration signature expired at `deadline`.
    error MigrationSignatureExpired(uint256 deadline);
    /// @dev The signature is not `from`'s consent to this migration with its current nonce.
    error InvalidMigrationSignature(address from);

    // ---------------------------------------------------------------- views

    function tierOf(address member) external view returns (uint256);
    function lifetimeEarned(address member) external view returns (uint256);
    function lastActivity(address member) external view returns (uint256);

    // ---------------------------------------------------------------- reward hook

    function burnForRedemption(address member, uint256 amount, uint256 rewardId) external;
}
