// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {LoyaltyPoints} from "../points/LoyaltyPoints.sol";
import {IRewardNFT} from "./IRewardNFT.sol";

/// @title RewardNFT
/// @notice The reward catalog of the coalition. Merchants create rewards (cost in points, supply
/// cap, minimum tier, validity window, soulbound or not, metadata); members redeem them, which
/// burns the points and mints the token in one transaction; merchants mint exclusive rewards (VIP
/// drops, badges) and accept tokens as vouchers in the shop with the holder's EIP-712 signature.
///
/// @dev Token ids are `rewardId << 128 | serial`, so a token's reward needs no storage. Roles and
/// the emergency pause are the points contract's: one place onboards a merchant, one switch
/// freezes the program.
///
/// Security considerations:
/// - Only holders of the points contract's `MERCHANT_ROLE` create rewards; only a reward's own
///   merchant (or the operator, to pause) manages it, mints it exclusively, or consumes its vouchers.
/// - A voucher signature binds the chain id and this contract (EIP-712 domain), the token, its
///   holder, the merchant, a nonce and a deadline. Nonces are unordered (any unused value), so a
///   member can show several QR codes at once; {cancelVoucherNonce} withdraws one. ERC-1271 smart
///   wallets can sign too.
/// - {redeem}, {mintExclusive} and {mintExclusiveBatch} call the receiver's `onERC721Received`
///   (`_safeMint`): they burn and count before it, and are `nonReentrant`, so a member contract
///   cannot redeem or be minted again from inside the callback (ReentrancyGuardReentrantCall), and
///   every redemption's logs stay in one piece. OpenZeppelin's `safeTransferFrom` calls the
///   receiver after the move, with nothing left to update; the holder's ERC-1271 checks are static
///   calls; the points contract is the program's own.
/// - The points contract's emergency pause stops every function here but the operator's own
///   {setRewardPaused}: holders' transfers and approvals, voucher nonce cancellations, the catalog,
///   mints, redemptions, vouchers and migrations.
/// - Reward tokens never reach an account that moved away ({LoyaltyPoints-migrateAccount}): its key
///   was erased ({AccountMigratedAway}). A merchant that left the coalition accepts no more
///   vouchers ({MerchantNotActive}).
/// - {migrateTokens} is the only way a soulbound token changes hands: it needs both the points
///   contract's `MIGRATOR_ROLE` and the holder's EIP-712 consent with a sequential nonce ({nonces}).
/// - Gasless use goes through the trusted ERC-2771 forwarder; never add Multicall (CVE-2023-49145).
contract RewardNFT is ERC721, EIP712, Nonces, ERC2771Context, ReentrancyGuardTransient, IRewardNFT {
    using SafeCast for uint256;

    /// @notice EIP-712 type of the holder's consent to use a token as a voucher.
    bytes32 public constant VOUCHER_USE_TYPEHASH =
        keccak256("VoucherUse(uint256 tokenId,address holder,address merchant,uint256 nonce,uint256 deadline)");
    /// @notice EIP-712 type of a holder's consent to {migrateTokens}; `tokenIds` is
    /// keccak256(abi.encodePacked(ids)), the listed ids in order.
    bytes32 public constant TOKEN_MIGRATION_TYPEHASH =
        keccak256("TokenMigration(address from,address to,bytes32 tokenIds,uint256 nonce,uint256 deadline)");

    /// @dev Packed storage of a reward's rules (two slots for the hot path of {redeem}).
    struct RewardState {
        address merchant;
        uint64 supplyCap;
        uint8 minTier;
        bool soulbound;
        bool mintOnly;
        bool paused;
        uint96 cost;
        uint64 minted;
        uint40 validFrom;
        uint40 validUntil;
        RewardCategory category;
    }

    /// @notice The points contract: currency, roles and pause switch of the program.
    LoyaltyPoints public immutable points;
    bytes32 private immutable _merchantRole;
    bytes32 private immutable _migratorRole;

    /// @notice Number of rewards created; reward ids run from 1 to `rewardCount`.
    uint256 public rewardCount;
    mapping(uint256 rewardId => RewardState) private _rewards;
    mapping(uint256 rewardId => RewardMetadata) private _metadata;
    mapping(uint256 tokenId => bool) private _consumed;
    mapping(address holder => mapping(uint256 nonce => bool)) private _usedVoucherNonces;

    /// @param points_ The program's points contract.
    /// @param trustedForwarder The ERC-2771 forwarder relaying gasless requests.
    constructor(LoyaltyPoints points_, address trustedForwarder)
        ERC721("Loyalty Rewards", "LRWD")
        EIP712("RewardNFT", "1")
        ERC2771Context(trustedForwarder)
    {
        points = points_;
        _merchantRole = points_.MERCHANT_ROLE();
        _migratorRole = points_.MIGRATOR_ROLE();
    }

    // ================================================================ merchants

    /// @notice Lists a new reward sold by the caller, which must be a merchant of the program.
    /// @dev Not while the program is paused.
    /// @return rewardId The new reward's id, from 1 up.
    function createReward(RewardTerms calldata terms, RewardMetadata calldata metadata)
        external
        returns (uint256 rewardId)
    {
        _requireProgramRunning();
        address merchant = _msgSender();
        if (!points.hasRole(_merchantRole, merchant)) revert NotMerchant(merchant);
        if (
            terms.supplyCap == 0 || bytes(metadata.name).length == 0
                || (terms.validUntil != 0 && terms.validUntil < terms.validFrom)
                || terms.minTier > points.tierCount()
        ) revert InvalidReward();

        rewardId = ++rewardCount;
        _rewards[rewardId] = RewardState({
            merchant: merchant,
            supplyCap: terms.supplyCap,
            minTier: terms.minTier,
            soulbound: terms.soulbound,
            mintOnly: terms.mintOnly,
            paused: false,
            cost: terms.cost.toUint96(),
            minted: 0,
            validFrom: terms.validFrom,
            validUntil: terms.validUntil,
            category: terms.category
        });
        _metadata[rewardId] = metadata;
        emit RewardCreated(rewardId, merchant, terms, metadata);
    }

    /// @notice Stops (or resumes) redemption and exclusive minting of `rewardId`.
    /// @dev Its merchant or the operator. Tokens already minted are unaffected (their vouchers stay
    /// usable). While the program is paused only the operator may call it: it can take a faulty
    /// reward out before lifting the pause.
    function setRewardPaused(uint256 rewardId, bool paused) external {
        RewardState storage reward = _existingReward(rewardId);
        address account = _msgSender();
        bool operator = points.hasRole(points.DEFAULT_ADMIN_ROLE(), account);
        if (account != reward.merchant && !operator) revert NotRewardMerchant(rewardId, account);
        if (!operator) _requireProgramRunning();
        reward.paused = paused;
        emit RewardPauseSet(rewardId, account, paused);
    }

    /// @notice Mints a token of `rewardId` to `member` without points: VIP drops, badges.
    /// @dev Only the reward's merchant, while it is a merchant; within the supply cap; not while paused;
    /// never to an account that moved away. Calls a contract member's `onERC721Received`, hence
    /// `nonReentrant`.
    function mintExclusive(uint256 rewardId, address member) external nonReentrant returns (uint256 tokenId) {
        address merchant = _requireActiveRewardMerchant(rewardId);
        tokenId = _mintReward(rewardId, member);
        emit ExclusiveMinted(rewardId, merchant, member, tokenId);
    }

    /// @notice {mintExclusive} to each of `members`, for drops to a whole segment.
    /// @dev The same rules as {mintExclusive}, `nonReentrant` for the same reason; one refused member
    /// reverts the whole batch.
    function mintExclusiveBatch(uint256 rewardId, address[] calldata members)
        external
        nonReentrant
        returns (uint256[] memory tokenIds)
    {
        address merchant = _requireActiveRewardMerchant(rewardId);
        tokenIds = new uint256[](members.length);
        for (uint256 i = 0; i < members.length; ++i) {
            tokenIds[i] = _mintReward(rewardId, members[i]);
            emit ExclusiveMinted(rewardId, merchant, members[i], tokenIds[i]);
        }
    }

    /// @notice Accepts token `tokenId` as a voucher in the shop, once.
    /// @dev Only the merchant of the token's reward, while it is a merchant ({MerchantNotActive}
    /// once offboarded), with the current holder's EIP-712 signature of {VOUCHER_USE_TYPEHASH} over
    /// (tokenId, holder, merchant, nonce, deadline). Not while the program is paused. The holder's
    /// ERC-1271 check is a static call: a wallet contract cannot act from inside it.
    function consumeVoucher(uint256 tokenId, uint256 nonce, uint256 deadline, bytes calldata signature) external {
        _requireProgramRunning();
        uint256 rewardId = rewardOf(tokenId);
        address merchant = _msgSender();
        if (_rewards[rewardId].merchant != merchant) revert NotRewardMerchant(rewardId, merchant);
        if (!points.hasRole(_merchantRole, merchant)) revert MerchantNotActive(rewardId, merchant);
        if (block.timestamp > deadline) revert VoucherSignatureExpired(deadline);
        if (_consumed[tokenId]) revert VoucherAlreadyConsumed(tokenId);
        address holder = _requireOwned(tokenId);
        if (_usedVoucherNonces[holder][nonce]) revert VoucherNonceUsed(holder, nonce);

        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(VOUCHER_USE_TYPEHASH, tokenId, holder, merchant, nonce, deadline)));
        if (!SignatureChecker.isValidSignatureNow(holder, digest, signature)) {
            revert InvalidVoucherSignature(tokenId, holder);
        }
        _usedVoucherNonces[holder][nonce] = true;
        _consumed[tokenId] = true;
        emit VoucherConsumed(tokenId, rewardId, merchant, holder, nonce);
    }

    // ================================================================ members

    /// @notice Spends the reward's cost in points and mints a token of `rewardId` to the caller.
    /// @dev Checks, in this order: the reward exists, is not paused nor mint-only, its merchant is
    /// still in the coalition, it is within its validity window, not sold out, the caller's tier and
    /// balance. Burn and mint are atomic. Not while paused; never for an account that moved away.
    /// Calls a contract member's `onERC721Received` after the burn and the count, hence
    /// `nonReentrant`: a second redemption from inside the callback reverts.
    function redeem(uint256 rewardId) external nonReentrant returns (uint256 tokenId) {
        address member = _msgSender();
        RewardState storage reward = _existingReward(rewardId);
        if (reward.paused) revert RewardIsPaused(rewardId);
        if (reward.mintOnly) revert RewardNotRedeemable(rewardId);
        if (!points.hasRole(_merchantRole, reward.merchant)) revert MerchantNotActive(rewardId, reward.merchant);
        if (block.timestamp < reward.validFrom) revert RewardNotYetValid(rewardId, reward.validFrom);
        if (reward.validUntil != 0 && block.timestamp > reward.validUntil) {
            revert RewardEnded(rewardId, reward.validUntil);
        }
        if (reward.minted >= reward.supplyCap) revert RewardSoldOut(rewardId, reward.supplyCap);
        uint256 tier = points.tierOf(member);
        if (tier < reward.minTier) revert TierTooLow(member, tier, reward.minTier);
        uint256 cost = reward.cost;
        uint256 balance = points.balanceOf(member);
        if (balance < cost) revert InsufficientPoints(member, balance, cost);

        if (cost != 0) points.burnForRedemption(member, cost, rewardId);
        tokenId = _mintReward(rewardId, member);
        emit RewardRedeemed(rewardId, member, tokenId, cost);
    }

    /// @notice Withdraws a voucher signature the caller handed out (e.g. a QR code shown but unused).
    /// @dev Not while the program is paused (nothing can consume a voucher then either).
    function cancelVoucherNonce(uint256 nonce) external {
        _requireProgramRunning();
        address holder = _msgSender();
        if (_usedVoucherNonces[holder][nonce]) revert VoucherNonceUsed(holder, nonce);
        _usedVoucherNonces[holder][nonce] = true;
        emit VoucherNonceCancelled(holder, nonce);
    }

    // ================================================================ migration

    /// @notice Moves every token in `tokenIds`, soulbound ones included, from `from` to `to`: a
    /// custodial member moving to its own wallet. Each token keeps its state (a consumed voucher
    /// stays consumed).
    /// @dev Only a holder of the points contract's `MIGRATOR_ROLE`, with `from`'s EIP-712 signature
    /// of {TOKEN_MIGRATION_TYPEHASH} over (from, to, keccak256(abi.encodePacked(tokenIds)), nonce,
    /// deadline), nonce being {nonces}(from). Every listed token must be owned by `from`
    /// ({ERC721IncorrectOwner} / {ERC721NonexistentToken} otherwise; a repeated id fails the same
    /// way). The tokens follow the points account: `to` must be where
    /// {LoyaltyPoints-migrateAccount} moved `from` ({MigrationTargetMismatch} otherwise, also before
    /// the account moved), so an account's tokens reach one wallet only, and no other member's can
    /// join them there. `to` also follows the points contract's rule
    /// ({LoyaltyPoints-checkMigrationTarget}). Moves without the ERC-721 receiver callback, as
    /// `transferFrom` does: `to` is the member's own wallet. Emits a {Transfer} per token, then
    /// {TokensMigrated}.
    ///
    /// Security considerations: the signature proves the holder consents; the role keeps soulbound
    /// tokens from being traded between members (any two members could otherwise sign each other's
    /// badges over). The nonce is consumed and the domain binds the chain and this contract, so a
    /// signature is used once; `deadline` bounds it ({MigrationSignatureExpired}). Blocked while the
    /// program is paused. Gas grows with the list: the migrator splits very large holdings.
    function migrateTokens(
        address from,
        address to,
        uint256[] calldata tokenIds,
        uint256 deadline,
        bytes calldata signature
    ) external {
        address migrator = _msgSender();
        if (!points.hasRole(_migratorRole, migrator)) revert NotMigrator(migrator);
        _requireProgramRunning();
        address movedTo = points.migratedTo(from);
        if (movedTo != to) revert MigrationTargetMismatch(from, movedTo, to);
        points.checkMigrationTarget(from, to);
        if (tokenIds.length == 0) revert EmptyMigration();
        if (block.timestamp > deadline) revert MigrationSignatureExpired(deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    TOKEN_MIGRATION_TYPEHASH, from, to, keccak256(abi.encodePacked(tokenIds)), _useNonce(from), deadline
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidMigrationSignature(from);

        for (uint256 i = 0; i < tokenIds.length; ++i) {
            // ERC721's own _update, past this contract's soulbound check: this is the one sanctioned
            // move of a soulbound token. The pause was checked above.
            address owner = ERC721._update(to, tokenIds[i], address(0));
            if (owner == address(0)) revert ERC721NonexistentToken(tokenIds[i]);
            if (owner != from) revert ERC721IncorrectOwner(from, tokenIds[i], owner);
        }
        emit TokensMigrated(from, to, tokenIds.length);
    }

    // ================================================================ approvals

    /// @inheritdoc ERC721
    /// @dev Not while the program is paused.
    function approve(address to, uint256 tokenId) public override {
        _requireProgramRunning();
        super.approve(to, tokenId);
    }

    /// @inheritdoc ERC721
    /// @dev Not while the program is paused.
    function setApprovalForAll(address operator, bool approved) public override {
        _requireProgramRunning();
        super.setApprovalForAll(operator, approved);
    }

    // ================================================================ views

    /// @notice The reward `tokenId` belongs to (whether or not the token exists).
    function rewardOf(uint256 tokenId) public pure returns (uint256) {
        return tokenId >> 128;
    }

    /// @notice Everything about reward `rewardId`.
    function getReward(uint256 rewardId) external view returns (Reward memory) {
        RewardState storage s = _existingReward(rewardId);
        return Reward({
            merchant: s.merchant,
            minted: s.minted,
            paused: s.paused,
            terms: RewardTerms({
                cost: s.cost,
                supplyCap: s.supplyCap,
                minTier: s.minTier,
                validFrom: s.validFrom,
                validUntil: s.validUntil,
                soulbound: s.soulbound,
                mintOnly: s.mintOnly,
                category: s.category
            }),
            metadata: _metadata[rewardId]
        });
    }

    /// @notice Whether token `tokenId` has been used as a voucher.
    function isConsumed(uint256 tokenId) external view returns (bool) {
        return _consumed[tokenId];
    }

    /// @notice Whether `holder` has used or cancelled voucher signature `nonce`.
    function isVoucherNonceUsed(address holder, uint256 nonce) external view returns (bool) {
        return _usedVoucherNonces[holder][nonce];
    }

    /// @notice The EIP-712 domain separator of voucher signatures (chain id and this contract).
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice ERC-721 metadata JSON of `tokenId`, inline as a base64 `data:` URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        uint256 rewardId = rewardOf(tokenId);
        RewardState storage reward = _rewards[rewardId];
        RewardMetadata storage metadata = _metadata[rewardId];
        bytes memory json = abi.encodePacked(
            '{"name":"',
            Strings.escapeJSON(metadata.name),
            " #",
            Strings.toString(uint128(tokenId)),
            '","description":"',
            Strings.escapeJSON(metadata.description),
            '","image":"',
            Strings.escapeJSON(metadata.image),
            '","attributes":[',
            _attributes(tokenId, rewardId, reward),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    // ================================================================ internals

    function _attributes(uint256 tokenId, uint256 rewardId, RewardState storage reward)
        private
        view
        returns (bytes memory)
    {
        return abi.encodePacked(
            '{"trait_type":"Reward","value":',
            Strings.toString(rewardId),
            '},{"trait_type":"Category","value":"',
            _categoryName(reward.category),
            '"},{"trait_type":"Merchant","value":"',
            Strings.toHexString(reward.merchant),
            '"},{"trait_type":"Minimum tier","value":',
            Strings.toString(reward.minTier),
            '},{"trait_type":"Soulbound","value":"',
            reward.soulbound ? "yes" : "no",
            '"},{"trait_type":"Consumed","value":"',
            _consumed[tokenId] ? "yes" : "no",
            '"}'
        );
    }

    function _categoryName(RewardCategory category) private pure returns (string memory) {
        if (category == RewardCategory.Discount) return "Discount";
        if (category == RewardCategory.FreeProduct) return "Free product";
        if (category == RewardCategory.EarlyAccess) return "Early access";
        if (category == RewardCategory.Experience) return "Experience";
        return "Badge";
    }

    function _existingReward(uint256 rewardId) private view returns (RewardState storage reward) {
        reward = _rewards[rewardId];
        if (reward.merchant == address(0)) revert UnknownReward(rewardId);
    }

    function _requireActiveRewardMerchant(uint256 rewardId) private view returns (address merchant) {
        RewardState storage reward = _existingReward(rewardId);
        merchant = _msgSender();
        if (merchant != reward.merchant || !points.hasRole(_merchantRole, merchant)) {
            revert NotRewardMerchant(rewardId, merchant);
        }
        if (reward.paused) revert RewardIsPaused(rewardId);
    }

    function _mintReward(uint256 rewardId, address member) private returns (uint256 tokenId) {
        RewardState storage reward = _rewards[rewardId];
        uint64 minted = reward.minted;
        if (minted >= reward.supplyCap) revert RewardSoldOut(rewardId, reward.supplyCap);
        reward.minted = minted + 1;
        tokenId = (rewardId << 128) | (minted + 1);
        _safeMint(member, tokenId);
    }

    /// @dev The points contract's emergency pause, for this contract's functions.
    function _requireProgramRunning() private view {
        if (points.paused()) revert Pausable.EnforcedPause();
    }

    /// @dev Soulbound tokens move only at mint; every movement stops while the program is paused;
    /// nothing reaches an account that moved away (its key is gone).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        _requireProgramRunning();
        if (to != address(0)) {
            address movedTo = points.migratedTo(to);
            if (movedTo != address(0)) revert AccountMigratedAway(to, movedTo);
        }
        from = super._update(to, tokenId, auth);
        if (from != address(0) && to != address(0) && _rewards[rewardOf(tokenId)].soulbound) {
            revert SoulboundToken(tokenId);
        }
    }

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }
}
