// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILoyaltyPoints} from "./ILoyaltyPoints.sol";

/// @title LoyaltyPoints
/// @notice The coalition's points currency: an ERC-20 of whole points (decimals 0). Merchants issue
/// points for purchases within an allowance set by the operator; lifetime earned points decide a
/// member's tier; a member inactive for `inactivityPeriod` can have its balance expired by anyone;
/// points are burnt for a reward only through the reward catalog, for the member who redeems.
///
/// @dev Each account's balance, lifetime earned points and last activity share ONE storage slot
/// (`Account`), so that a transfer also records both parties' activity at the cost of a plain
/// OpenZeppelin transfer, and a campaign pays one slot per member. This is why `_update`,
/// `balanceOf` and `totalSupply` are overridden: ERC20's own `_balances` and `_totalSupply` stay
/// unused. All other ERC-20 behaviour (allowances, zero-address checks, errors) is OpenZeppelin's.
///
/// Security considerations:
/// - Roles: `DEFAULT_ADMIN_ROLE` is the operator (a multisig in production): it onboards merchants,
///   sets allowances, tiers, the expiry rule and charities, and grants `REDEEMER_ROLE` to the reward
///   catalog only. A compromised merchant key can issue at most its remaining allowance.
/// - Meta-transactions: `_msgSender()` is the signer of a request relayed by the trusted forwarder
///   (ERC-2771). The forwarder must never be combined with Multicall (CVE-2023-49145); this
///   contract has no Multicall.
/// - `ref` values are global and single-use: the same ref can never issue twice, whoever sends it.
/// - Issuing agents (the platform's relayer) act for a merchant only while that merchant authorizes
///   them and still holds `MERCHANT_ROLE`; they spend the merchant's allowance, never their own, so a
///   compromised agent key can issue at most the remaining allowances of the merchants that trust it.
/// - `MIGRATOR_ROLE` (the relayer) moves a custodial member's account to its own wallet, and only with
///   that member's EIP-712 consent: the role alone cannot take an account, the signature alone cannot
///   trade lifetime earned points (tiers) between members.
/// - Pausing freezes every balance change (transfers, issuance, redemption, expiry, clawback,
///   migration).
contract LoyaltyPoints is ERC20, ERC20Permit, AccessControl, Pausable, ERC2771Context, ILoyaltyPoints {
    using SafeCast for uint256;

    /// @notice Merchants of the coalition: issue points within their allowance, create rewards.
    bytes32 public constant MERCHANT_ROLE = keccak256("MERCHANT_ROLE");
    /// @notice May pause and unpause every balance change in an emergency.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice The reward catalog: burns points for the member who redeems.
    bytes32 public constant REDEEMER_ROLE = keccak256("REDEEMER_ROLE");
    /// @notice Moves consenting custodial members' accounts to their own wallets (the relayer); the
    /// reward catalog reads this role too, for {RewardNFT-migrateTokens}.
    bytes32 public constant MIGRATOR_ROLE = keccak256("MIGRATOR_ROLE");

    /// @notice EIP-712 type of a member's consent to {migrateAccount}, in the `permit` domain.
    bytes32 public constant ACCOUNT_MIGRATION_TYPEHASH =
        keccak256("AccountMigration(address from,address to,uint256 nonce,uint256 deadline)");

    /// @notice At most this many tiers above the base tier, which bounds `tierOf`'s loop.
    uint256 public constant MAX_TIERS = 16;

    /// @dev One slot per account; see the contract's @dev note.
    struct Account {
        uint112 balance;
        uint104 lifetimeEarned;
        uint40 lastActivity;
    }

    mapping(address account => Account) private _accounts;
    uint256 private _supply;

    /// @notice How many more points each merchant may issue.
    mapping(address merchant => uint256) public issuanceAllowance;
    mapping(bytes32 ref => Issuance) private _issuances;
    uint256[] private _tierThresholds;
    /// @notice Seconds without activity after which a balance may be expired; 0 disables expiry.
    uint256 public inactivityPeriod;
    /// @notice Registered donation targets.
    mapping(address charity => bool) public isCharity;
    mapping(address merchant => mapping(address agent => bool)) private _issuingAgents;
    /// @notice Where {migrateAccount} last moved each account (zero: never). A refund of points issued
    /// before a migration claws them back from where they went. An account that moved away is retired
    /// as a migration target, which keeps these pointers acyclic.
    mapping(address account => address) public migratedTo;

    /// @param name_ Token name, also the EIP-712 domain name used by `permit`.
    /// @param symbol_ Token symbol.
    /// @param operator Receives `DEFAULT_ADMIN_ROLE` and `PAUSER_ROLE`.
    /// @param trustedForwarder The ERC-2771 forwarder relaying members' gasless requests.
    constructor(string memory name_, string memory symbol_, address operator, address trustedForwarder)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        ERC2771Context(trustedForwarder)
    {
        if (operator == address(0)) revert InvalidAccount(address(0));
        _grantRole(DEFAULT_ADMIN_ROLE, operator);
        _grantRole(PAUSER_ROLE, operator);
    }

    // ================================================================ ERC-20 views

    /// @notice Points are whole units.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    /// @inheritdoc ERC20
    function totalSupply() public view override returns (uint256) {
        return _supply;
    }

    /// @inheritdoc ERC20
    function balanceOf(address account) public view override returns (uint256) {
        return _accounts[account].balance;
    }

    // ================================================================ operator

    /// @notice Adds `merchant` to the coalition with an issuance allowance of `allowance` points.
    /// @dev Only the operator. Emits {MerchantOnboarded} and {IssuanceAllowanceSet}.
    function onboardMerchant(address merchant, string calldata name, uint256 allowance)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (merchant == address(0)) revert InvalidAccount(address(0));
        _grantRole(MERCHANT_ROLE, merchant);
        _setIssuanceAllowance(merchant, allowance);
        emit MerchantOnboarded(merchant, name, allowance);
    }

    /// @notice Removes `merchant` from the coalition: its role and remaining allowance are revoked.
    /// Points it issued stay with the members. Only the operator.
    function offboardMerchant(address merchant) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _revokeRole(MERCHANT_ROLE, merchant);
        _setIssuanceAllowance(merchant, 0);
        emit MerchantOffboarded(merchant);
    }

    /// @notice Sets how many more points `merchant` may issue. Only the operator.
    function setIssuanceAllowance(address merchant, uint256 allowance) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setIssuanceAllowance(merchant, allowance);
    }

    /// @notice Adds `added` points to `merchant`'s allowance, without racing its own issuance.
    function increaseIssuanceAllowance(address merchant, uint256 added) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setIssuanceAllowance(merchant, issuanceAllowance[merchant] + added);
    }

    /// @notice Sets the lifetime earned points needed for tiers 1, 2, …: positive, strictly ascending,
    /// at most {MAX_TIERS}. Tiers are recomputed from lifetime earned points at every read.
    function setTierThresholds(uint256[] calldata thresholds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (thresholds.length > MAX_TIERS) revert InvalidTierThresholds();
        uint256 previous = 0;
        for (uint256 i = 0; i < thresholds.length; ++i) {
            if (thresholds[i] <= previous) revert InvalidTierThresholds();
            previous = thresholds[i];
        }
        _tierThresholds = thresholds;
        emit TierThresholdsSet(thresholds);
    }

    /// @notice Sets the inactivity period after which balances may be expired; 0 disables expiry.
    /// @dev Applies to every member at once, including those already inactive: announce changes.
    function setInactivityPeriod(uint256 period) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit InactivityPeriodSet(inactivityPeriod, period);
        inactivityPeriod = period;
    }

    /// @notice Registers `charity` as a donation target. Only the operator.
    function registerCharity(address charity, string calldata name) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (charity == address(0)) revert InvalidAccount(address(0));
        isCharity[charity] = true;
        emit CharityRegistered(charity, name);
    }

    /// @notice Removes `charity` from the donation targets; it keeps the points it received.
    function removeCharity(address charity) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!isCharity[charity]) revert UnknownCharity(charity);
        isCharity[charity] = false;
        emit CharityRemoved(charity);
    }

    /// @notice Freezes every balance change. Only a pauser.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts a {pause}. Only a pauser.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ================================================================ merchants

    /// @notice Issues `amount` points to `member` for a purchase identified by `ref`.
    /// @dev Only a merchant, within its allowance. `ref` (e.g. keccak256(merchant, order id)) can be
    /// used once: a retried purchase reverts with {RefAlreadyUsed} instead of issuing twice. The
    /// issuance is kept so that the same merchant can {clawback} it on a refund. A member whose
    /// account migrated away is refused ({AccountMigratedAway}): its refunds would follow the
    /// migration to the new account, which never received these points.
    function issue(address member, uint256 amount, bytes32 ref) external onlyRole(MERCHANT_ROLE) {
        _issueForPurchase(_msgSender(), member, amount, ref);
    }

    /// @notice {issue} on behalf of `merchant`, by an issuing agent it authorized ({setIssuingAgent}).
    /// @dev The same rules and event as {issue} with `merchant` as the issuer: `merchant` must still
    /// hold `MERCHANT_ROLE` (an offboarded merchant's agents can no longer issue), its allowance is
    /// spent, {PointsIssued} names it, and `ref` is claimed for it, so that it (or its agent) alone can
    /// claw it back. Refs are shared with {issue}: a ref the merchant used directly cannot be reused.
    ///
    /// Security considerations: the agent chooses the member and the amount, so a merchant trusts it
    /// with its whole remaining allowance; revoke with {setIssuingAgent}(agent, false). The agent is
    /// `_msgSender()`, so a request relayed by the trusted forwarder acts for its signer.
    function issueFor(address merchant, address member, uint256 amount, bytes32 ref) external {
        _requireIssuingAgent(merchant);
        _issueForPurchase(merchant, member, amount, ref);
    }

    /// @notice Issues `amounts[i]` points to each `members[i]` under one campaign `ref`.
    /// @dev Only a merchant, within its allowance for the total. A campaign cannot be clawed back.
    function issueBatch(address[] calldata members, uint256[] calldata amounts, bytes32 ref)
        external
        onlyRole(MERCHANT_ROLE)
    {
        uint256 count = members.length;
        if (count == 0 || count != amounts.length) revert InvalidBatch();
        address merchant = _msgSender();
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            total += amounts[i];
        }
        _claimRef(ref, merchant, total, address(0));
        _spendIssuanceAllowance(merchant, total);
        for (uint256 i = 0; i < count; ++i) {
            _issue(merchant, members[i], amounts[i], ref);
        }
    }

    /// @notice Takes back up to what `ref` issued from its member, for a refunded purchase.
    /// @dev Only the merchant that issued `ref`, only for a single-member issuance, only up to what it
    /// issued minus what was already clawed back, and only from points the member still holds
    /// (otherwise {ERC20InsufficientBalance}); if the member's account was migrated ({migrateAccount}),
    /// from the account it moved to, which {PointsClawedBack} names. The amount returns to the
    /// merchant's allowance and leaves the member's lifetime earned points: a refunded purchase never
    /// counted.
    function clawback(bytes32 ref, uint256 amount) external onlyRole(MERCHANT_ROLE) {
        _clawback(_msgSender(), ref, amount);
    }

    /// @notice {clawback} on behalf of `merchant`, by an issuing agent it authorized.
    /// @dev The same rules and event as {clawback} with `merchant` as the caller: `merchant` must
    /// hold `MERCHANT_ROLE` and be the merchant that issued `ref` (whether directly or through an
    /// agent); at most what `ref` issued minus what was already clawed back, from points the member
    /// still holds. The amount returns to `merchant`'s allowance.
    ///
    /// Security considerations: an agent can only undo issuances of the merchants that authorized
    /// it, never another merchant's, and never more than a ref issued.
    function clawbackFor(address merchant, bytes32 ref, uint256 amount) external {
        _requireIssuingAgent(merchant);
        _clawback(merchant, ref, amount);
    }

    /// @notice Authorizes (`authorized` true) or revokes `agent` to {issueFor} and {clawbackFor} on
    /// behalf of the calling merchant.
    /// @dev Only a merchant. Emits {IssuingAgentSet} on every call, so the indexer and auditors can
    /// follow who may act for whom.
    ///
    /// Security considerations: an authorization is stored per (merchant, agent) and survives the
    /// merchant's offboarding, but it is inert while the merchant lacks `MERCHANT_ROLE`; a merchant
    /// onboarded again gets its agents back, so it should revoke agents it no longer trusts.
    function setIssuingAgent(address agent, bool authorized) external onlyRole(MERCHANT_ROLE) {
        if (agent == address(0)) revert InvalidAccount(address(0));
        address merchant = _msgSender();
        _issuingAgents[merchant][agent] = authorized;
        emit IssuingAgentSet(merchant, agent, authorized);
    }

    /// @notice Whether `agent` may issue and claw back on behalf of `merchant` (while it is a merchant).
    function isIssuingAgent(address merchant, address agent) external view returns (bool) {
        return _issuingAgents[merchant][agent];
    }

    /// @dev The body of {clawback} and {clawbackFor}, for `merchant`.
    function _clawback(address merchant, bytes32 ref, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        Issuance storage issuance = _issuances[ref];
        if (issuance.merchant == address(0) || issuance.member == address(0)) revert UnknownIssuance(ref);
        if (issuance.merchant != merchant) revert NotIssuingMerchant(ref, merchant);
        uint256 remaining = issuance.amount - issuance.clawedBack;
        if (amount > remaining) revert ClawbackExceedsIssuance(ref, remaining, amount);

        address member = _liveAccount(issuance.member);
        issuance.clawedBack += uint96(amount);
        _burn(member, amount);
        _accounts[member].lifetimeEarned -= uint104(amount);
        _setIssuanceAllowance(merchant, issuanceAllowance[merchant] + amount);
        emit PointsClawedBack(merchant, member, ref, amount);
    }

    /// @notice The issuance recorded under `ref` (merchant zero when unused; member zero for a campaign).
    function issuanceOf(bytes32 ref) external view returns (Issuance memory) {
        return _issuances[ref];
    }

    // ================================================================ members

    /// @notice Gives `amount` of the caller's points to the registered `charity`.
    function donate(address charity, uint256 amount) external {
        if (!isCharity[charity]) revert UnknownCharity(charity);
        if (amount == 0) revert ZeroAmount();
        address member = _msgSender();
        _transfer(member, charity, amount);
        emit PointsDonated(member, charity, amount);
    }

    /// @notice Burns the whole balance of `member` once it has been inactive for `inactivityPeriod`.
    /// @dev Anyone may call it (a keeper, the operator, an auditor): the rule is public and the same
    /// for all. Reverts with {NotExpirable} before the deadline, without balance, or when expiry is off.
    function expire(address member) external returns (uint256 amount) {
        Account memory account = _accounts[member];
        uint256 expiresAt_ = _expiresAt(account);
        if (expiresAt_ == 0 || block.timestamp < expiresAt_) revert NotExpirable(member, expiresAt_);
        amount = account.balance;
        _burn(member, amount);
        emit PointsExpired(member, amount, account.lastActivity, _msgSender());
    }

    // ================================================================ migration

    /// @notice Moves `from`'s whole account to `to`: its balance (a {Transfer}), its lifetime earned
    /// points (so its tier follows) and its last activity. For a custodial member moving to its own
    /// wallet.
    /// @dev Only a migrator, with `from`'s EIP-712 signature of {ACCOUNT_MIGRATION_TYPEHASH} over
    /// (from, to, nonce, deadline) in the `permit` domain, where nonce is `nonces(from)` (shared with
    /// `permit`: a migration invalidates any outstanding permit signature of `from`, and vice versa).
    /// `to` keeps what it already held: balances and lifetime earned points add up, and its last
    /// activity becomes the later of the two (a migration that moves points is itself activity, as a
    /// transfer is). An account with no points but a lifetime still migrates (no {Transfer} then).
    /// Emits {AccountMigrated} after the {Transfer}.
    ///
    /// Security considerations:
    /// - Both role and signature: the signature proves `from` consents (ERC-1271 smart wallets
    ///   included, via {SignatureChecker}); the role stops two members from trading lifetime earned
    ///   points, hence tiers, between themselves. The migrator must check that the member controls `to`.
    /// - Replay: the nonce is consumed; the domain binds the chain id and this contract; `deadline`
    ///   bounds how long a signature stays usable ({MigrationSignatureExpired} after it).
    /// - `to` may not be `from` ({MigrationToSelf}), the zero address, a merchant (merchants cannot
    ///   earn their own points), a charity, or an account that itself migrated away: its old refunds
    ///   point elsewhere, and it would close a cycle of migrations ({InvalidMigrationTarget}).
    /// - Blocked while paused, like every balance change.
    function migrateAccount(address from, address to, uint256 deadline, bytes calldata signature)
        external
        onlyRole(MIGRATOR_ROLE)
        whenNotPaused
    {
        checkMigrationTarget(from, to);
        if (block.timestamp > deadline) revert MigrationSignatureExpired(deadline);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(ACCOUNT_MIGRATION_TYPEHASH, from, to, _useNonce(from), deadline)));
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidMigrationSignature(from);

        Account memory source = _accounts[from];
        if (source.balance != 0) _transfer(from, to, source.balance);
        Account storage target = _accounts[to];
        target.lifetimeEarned = (uint256(target.lifetimeEarned) + source.lifetimeEarned).toUint104();
        _accounts[from].lifetimeEarned = 0;
        if (source.lastActivity > target.lastActivity) target.lastActivity = source.lastActivity;
        // `to` has no pointer of its own (checkMigrationTarget), so no cycle can form.
        migratedTo[from] = to;
        emit AccountMigrated(from, to, source.balance, source.lifetimeEarned);
    }

    /// @notice Reverts unless a member's account (points or reward tokens) may move from `from` to
    /// `to`: {MigrationToSelf} when they are equal, {InvalidMigrationTarget} for the zero address, a
    /// merchant, a charity or an account that migrated away. The reward catalog applies the same rule
    /// through this function.
    function checkMigrationTarget(address from, address to) public view {
        if (to == from) revert MigrationToSelf(from);
        if (to == address(0) || migratedTo[to] != address(0) || hasRole(MERCHANT_ROLE, to) || isCharity[to]) {
            revert InvalidMigrationTarget(to);
        }
    }

    // ================================================================ reward catalog hook

    /// @inheritdoc ILoyaltyPoints
    /// @dev Only the reward catalog (`REDEEMER_ROLE`), which passes the member who redeems.
    function burnForRedemption(address member, uint256 amount, uint256 rewardId) external onlyRole(REDEEMER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _burn(member, amount);
        emit PointsRedeemed(member, rewardId, amount);
    }

    // ================================================================ program views

    /// @notice The tier of `member`: how many thresholds its lifetime earned points have reached.
    function tierOf(address member) public view returns (uint256 tier) {
        uint256 earned = _accounts[member].lifetimeEarned;
        uint256 count = _tierThresholds.length;
        while (tier < count && earned >= _tierThresholds[tier]) {
            ++tier;
        }
    }

    /// @notice Lifetime earned points of `member`: issued to it, minus refunds; transfers never count.
    function lifetimeEarned(address member) external view returns (uint256) {
        return _accounts[member].lifetimeEarned;
    }

    /// @notice Timestamp of `member`'s last balance change (0 if never).
    function lastActivity(address member) external view returns (uint256) {
        return _accounts[member].lastActivity;
    }

    /// @notice When `member`'s balance becomes expirable; 0 when it has none or expiry is off.
    function expiresAt(address member) external view returns (uint256) {
        return _expiresAt(_accounts[member]);
    }

    /// @notice The tier thresholds set by the operator.
    function tierThresholds() external view returns (uint256[] memory) {
        return _tierThresholds;
    }

    /// @notice How many tiers exist above the base tier 0 (the highest reachable tier).
    function tierCount() external view returns (uint256) {
        return _tierThresholds.length;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ILoyaltyPoints).interfaceId || super.supportsInterface(interfaceId);
    }

    // ================================================================ internals

    /// @dev The body of {issue} and {issueFor}: a single-member issuance `merchant` can claw back.
    function _issueForPurchase(address merchant, address member, uint256 amount, bytes32 ref) private {
        address movedTo = migratedTo[member];
        if (movedTo != address(0)) revert AccountMigratedAway(member, movedTo);
        _claimRef(ref, merchant, amount, member);
        _spendIssuanceAllowance(merchant, amount);
        _issue(merchant, member, amount, ref);
    }

    /// @dev Follows {migratedTo} from `account` to the account that holds its points now. Each hop was
    /// a migration by the migrator with the member's consent into an account that had not moved
    /// away, so the chain is short and acyclic.
    function _liveAccount(address account) private view returns (address) {
        address next = migratedTo[account];
        while (next != address(0)) {
            account = next;
            next = migratedTo[account];
        }
        return account;
    }

    /// @dev The caller must be an agent of `merchant`, and `merchant` still a merchant: an agent can
    /// never do more than the merchant itself could.
    function _requireIssuingAgent(address merchant) private view {
        address agent = _msgSender();
        if (!_issuingAgents[merchant][agent]) revert NotIssuingAgent(merchant, agent);
        _checkRole(MERCHANT_ROLE, merchant);
    }

    function _issue(address merchant, address member, uint256 amount, bytes32 ref) private {
        if (amount == 0) revert ZeroAmount();
        if (member == merchant) revert SelfIssuance(merchant);
        _mint(member, amount);
        // Lifetime earned can exceed the supply (points earned, then spent or moved, still count), so
        // SafeCast reverts rather than wraps should an account ever earn 2^104 points.
        Account storage account = _accounts[member];
        account.lifetimeEarned = (account.lifetimeEarned + amount).toUint104();
        emit PointsIssued(merchant, member, ref, amount);
    }

    function _claimRef(bytes32 ref, address merchant, uint256 amount, address member) private {
        if (_issuances[ref].merchant != address(0)) revert RefAlreadyUsed(ref);
        _issuances[ref] = Issuance({merchant: merchant, amount: amount.toUint96(), member: member, clawedBack: 0});
    }

    function _spendIssuanceAllowance(address merchant, uint256 amount) private {
        uint256 available = issuanceAllowance[merchant];
        if (amount > available) revert IssuanceAllowanceExceeded(merchant, available, amount);
        unchecked {
            issuanceAllowance[merchant] = available - amount;
        }
    }

    function _setIssuanceAllowance(address merchant, uint256 allowance) private {
        emit IssuanceAllowanceSet(merchant, issuanceAllowance[merchant], allowance);
        issuanceAllowance[merchant] = allowance;
    }

    function _expiresAt(Account memory account) private view returns (uint256) {
        uint256 period = inactivityPeriod;
        if (period == 0 || account.balance == 0) return 0;
        return uint256(account.lastActivity) + period;
    }

    /// @dev Moves points between packed accounts and stamps both parties' activity. A zero-value
    /// transfer changes nothing and stamps nobody: otherwise anyone could keep another account's
    /// points from expiring for free (a zero `transferFrom` needs no allowance). Minting is capped so
    /// that every balance and the supply fit in `Account.balance` (uint112).
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        uint40 now_ = uint40(block.timestamp);
        if (from == address(0)) {
            uint256 supply = _supply + value;
            if (supply > type(uint112).max) revert SupplyCapExceeded(value, type(uint112).max);
            _supply = supply;
        } else {
            Account storage sender = _accounts[from];
            uint256 balance = sender.balance;
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
            if (value != 0) {
                unchecked {
                    sender.balance = uint112(balance - value);
                }
                sender.lastActivity = now_;
            }
        }

        if (to == address(0)) {
            unchecked {
                _supply -= value;
            }
        } else if (value != 0) {
            Account storage recipient = _accounts[to];
            unchecked {
                // Cannot overflow: every balance is at most the supply, capped at uint112 max.
                recipient.balance += uint112(value);
            }
            recipient.lastActivity = now_;
        }
        emit Transfer(from, to, value);
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
