// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRewardNFT
/// @notice The coalition's reward catalog: merchants list rewards, members redeem points for them
/// as ERC-721 tokens, merchants mint exclusive ones and accept them as vouchers in the shop.
interface IRewardNFT {
    /// @notice What a reward is, for the catalog and the metadata.
    enum RewardCategory {
        Discount,
        FreeProduct,
        EarlyAccess,
        Experience,
        Badge
    }

    /// @notice The rules of a reward, fixed at creation.
    /// @param cost Points burnt by {redeem} (0: free for members of the tier).
    /// @param supplyCap How many tokens may ever be minted, by redemption and exclusive mint together.
    /// @param minTier Lowest tier allowed to redeem.
    /// @param validFrom First second at which it can be redeemed (0: at once).
    /// @param validUntil Last second at which it can be redeemed (0: no end).
    /// @param soulbound Tokens cannot be transferred by their holders.
    /// @param mintOnly Only the merchant can mint it ({mintExclusive}); members cannot redeem it.
    /// @param category What kind of reward it is.
    struct RewardTerms {
        uint256 cost;
        uint64 supplyCap;
        uint8 minTier;
        uint40 validFrom;
        uint40 validUntil;
        bool soulbound;
        bool mintOnly;
        RewardCategory category;
    }

    /// @notice How a reward presents itself (ERC-721 metadata).
    struct RewardMetadata {
        string name;
        string description;
        string image;
    }

    /// @notice A reward as the catalog holds it.
    struct Reward {
        address merchant;
        uint64 minted;
        bool paused;
        RewardTerms terms;
        RewardMetadata metadata;
    }

    /// @notice `merchant` listed reward `rewardId`.
    event RewardCreated(uint256 indexed rewardId, address indexed merchant, RewardTerms terms, RewardMetadata metadata);
    /// @notice `account` stopped (`paused` true) or resumed the redemption and minting of `rewardId`.
    event RewardPauseSet(uint256 indexed rewardId, address indexed account, bool paused);
    /// @notice `member` spent `cost` points on reward `rewardId` and received token `tokenId`.
    event RewardRedeemed(uint256 indexed rewardId, address indexed member, uint256 indexed tokenId, uint256 cost);
    /// @notice `merchant` minted token `tokenId` of reward `rewardId` directly to `member`.
    event ExclusiveMinted(uint256 indexed rewardId, address indexed merchant, address indexed member, uint256 tokenId);
    /// @notice `merchant` accepted token `tokenId` as a voucher, signed by its `holder` with `nonce`.
    event VoucherConsumed(
        uint256 indexed tokenId, uint256 indexed rewardId, address indexed merchant, address holder, uint256 nonce
    );
    /// @notice `holder` cancelled voucher signature `nonce` before any merchant used it.
    event VoucherNonceCancelled(address indexed holder, uint256 nonce);
    /// @notice With `from`'s signed consent, a migrator moved `count` of its tokens (soulbound ones
    /// included) to `to`; each also has its {Transfer} in the same transaction.
    event TokensMigrated(address indexed from, address indexed to, uint256 count);

    /// @dev `account` does not hold the points contract's merchant role.
    error NotMerchant(address account);
    /// @dev `account` is neither the merchant of `rewardId` nor the operator.
    error NotRewardMerchant(uint256 rewardId, address account);
    /// @dev No reward has id `rewardId`.
    error UnknownReward(uint256 rewardId);
    /// @dev The terms or metadata of a new reward are inconsistent (cap 0, empty name, window reversed,
    /// a minimum tier that does not exist).
    error InvalidReward();
    /// @dev The merchant of reward `rewardId` has left the coalition: its rewards can no longer be
    /// redeemed (nobody would honour them), nor its vouchers consumed.
    error MerchantNotActive(uint256 rewardId, address merchant);
    /// @dev Reward `rewardId` is paused by its merchant.
    error RewardIsPaused(uint256 rewardId);
    /// @dev Reward `rewardId` can only be minted by its merchant.
    error RewardNotRedeemable(uint256 rewardId);
    /// @dev Reward `rewardId` cannot be redeemed before `validFrom`.
    error RewardNotYetValid(uint256 rewardId, uint256 validFrom);
    /// @dev Reward `rewardId` could be redeemed until `validUntil` only.
    error RewardEnded(uint256 rewardId, uint256 validUntil);
    /// @dev All `supplyCap` tokens of reward `rewardId` are minted.
    error RewardSoldOut(uint256 rewardId, uint256 supplyCap);
    /// @dev `member` is in tier `tier`, below the reward's minimum `minTier`.
    error TierTooLow(address member, uint256 tier, uint256 minTier);
    /// @dev `member` holds `balance` points, less than the reward's `cost`.
    error InsufficientPoints(address member, uint256 balance, uint256 cost);
    /// @dev Token `tokenId` belongs to a soulbound reward and cannot be transferred.
    error SoulboundToken(uint256 tokenId);
    /// @dev Token `tokenId` has already been used as a voucher.
    error VoucherAlreadyConsumed(uint256 tokenId);
    /// @dev The voucher signature expired at `deadline`.
    error VoucherSignatureExpired(uint256 deadline);
    /// @dev `holder` already used or cancelled voucher signature `nonce`.
    error VoucherNonceUsed(address holder, uint256 nonce);
    /// @dev The signature is not the current holder's for these voucher terms.
    error InvalidVoucherSignature(uint256 tokenId, address holder);
    /// @dev `account` does not hold the points contract's migrator role.
    error NotMigrator(address account);
    /// @dev A token migration must list at least one token.
    error EmptyMigration();
    /// @dev The migration signature expired at `deadline`.
    error MigrationSignatureExpired(uint256 deadline);
    /// @dev The signature is not `from`'s consent to this migration with its current nonce.
    error InvalidMigrationSignature(address from);
    /// @dev Raised by the points contract's `checkMigrationTarget` (declared here so that this
    /// contract's ABI decodes it): an account cannot be migrated onto itself.
    error MigrationToSelf(address account);
    /// @dev Raised by the points contract's `checkMigrationTarget`: `to` is the zero address, a
    /// merchant, a charity or an account that migrated away.
    error InvalidMigrationTarget(address to);
    /// @dev `from`'s tokens can only move to `movedTo`, where its points account moved (zero: it has
    /// not moved yet, which must come first), not to `to`.
    error MigrationTargetMismatch(address from, address movedTo, address to);
    /// @dev `account` moved to `to` (the points contract's `migrateAccount`): it receives no token.
    error AccountMigratedAway(address account, address to);
}
