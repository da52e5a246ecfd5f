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
/// - `ref` values belong to a merchant: each merchant's refs are single-use, in its own namespace.
///   No other merchant, agent or outsider can consume, squat or claw back a merchant's ref (a
///   rival issuing under the victim's predictable `purchaseRef` only uses a ref of its own).
/// - Offboarding cuts a merchant's key off entirely (it may be why the merchant left): no issuance,
///   no refund, no agent. The operator refunds a former merchant's purchases ({operatorClawback}).
/// - Issuing agents (the platform's relayer) act for a merchant only while that merchant authorizes
///   them and still holds `MERCHANT_ROLE`; they spend the merchant's allowance, never their own, so a
///   compromised agent key can issue at most the remaining allowances of the merchants that trust it.
/// - `MIGRATOR_ROLE` (the relayer) moves a custodial member's account to its own wallet, and only with
///   that member's EIP-712 consent: the role alone cannot take an account, the signature alone cannot
///   trade lifetime earned points (tiers) between members.
/// - The emergency pause stops everything members, merchants, agents, the migrator and keepers do:
///   balance changes (transfers, issuance, clawback, redemption, donation, expiry, migration),
///   approvals and permits, and issuing agents. The operator's administration (merchants,
///   allowances, tiers, the inactivity period, charities, roles) keeps working, so that it can
///   respond before lifting the pause; its {operatorClawback} changes balances, so it waits too. Time runs on during a pause: the operator may extend
///   {inactivityPeriod} so that nobody's points expire because they could not act.
/// - Value never reaches an account that moved away with {migrateAccount} (its custodial key was
///   erased): every path that credits points refuses it ({AccountMigratedAway}).
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

    /// @notice At most this many purchases in one {issuePurchases} / {issuePurchasesFor}: bounds the
    /// transaction's gas (about 35,000 per purchase) well under a block.
    uint256 public constant MAX_PURCHASE_BATCH = 200;

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
    /// @dev An issuance as stored: ONE slot (member and amount), the merchant being the mapping's key,
    /// so that a purchase pays one new slot, not two. `amount` is never zero once the ref is used
    /// (every issuance issues something), which is how a used ref is told from a free one. What a
    /// refund clawed back lives apart in `_clawedBack`: refunds are rare, purchases are not.
    struct StoredIssuance {
        address member;
        uint96 amount;
    }

    mapping(address merchant => mapping(bytes32 ref => StoredIssuance)) private _issuances;
    mapping(address merchant => mapping(bytes32 ref => uint256)) private _clawedBack;
    uint256[] private _tierThresholds;
    /// @notice Seconds without activity after which a balance may be expired; 0 disables expiry.
    uint256 public inactivityPeriod;
    /// @notice Registered donation targets.
    mapping(address charity => bool) public isCharity;
    mapping(address merchant => mapping(address agent => bool)) private _issuingAgents;
    /// @notice Where {migrateAccount} moved each account (zero: never; an account moves once). A
    /// refund of points issued before a migration claws them back from where they went. An account
    /// that moved away is retired as a migration target, which keeps these pointers acyclic.
    mapping(address account => address) public migratedTo;
    /// @notice The account that {migrateAccount} moved into each account (zero: none). A wallet
    /// receives at most one account, so no two members' lifetimes (tiers) or badges are pooled.
    mapping(address account => address) public migratedFrom;

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

    /// @notice Emergency stop of everything but the operator's administration (see the contract's
    /// security considerations; the reward catalog follows the same switch). Only a pauser.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts a {pause}. Only a pauser.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ================================================================ merchants

    /// @notice Issues `amount` points to `member` for a purchase identified by `ref`.
    /// @dev Only a merchant, within its allowance, not while paused. `ref` (e.g. {purchaseRef}:
    /// keccak256(merchant, order id)) can be used once by this merchant: a retried purchase reverts
    /// with {RefAlreadyUsed} instead of issuing twice. Refs are per merchant: another merchant using
    /// the same value uses its own ref, never this one. The issuance is kept so that the same
    /// merchant can {clawback} it on a refund. A member whose account migrated away is refused
    /// ({AccountMigratedAway}): its key is gone and its refunds follow the migration.
    function issue(address member, uint256 amount, bytes32 ref) external onlyRole(MERCHANT_ROLE) {
        _issueForPurchase(_msgSender(), member, amount, ref);
    }

    /// @notice {issue} on behalf of `merchant`, by an issuing agent it authorized ({setIssuingAgent}).
    /// @dev The same rules and event as {issue} with `merchant` as the issuer: `merchant` must still
    /// hold `MERCHANT_ROLE` (an offboarded merchant's agents can no longer issue), its allowance is
    /// spent, {PointsIssued} names it, and `ref` is claimed in its namespace, so that it (or its
    /// agent) alone can claw it back. Refs are shared with {issue}: a ref the merchant used directly
    /// cannot be reused by its agent, and a ref of another merchant is another ref altogether.
    ///
    /// Security considerations: the agent chooses the member and the amount, so a merchant trusts it
    /// with its whole remaining allowance; revoke with {setIssuingAgent}(agent, false). The agent is
    /// `_msgSender()`, so a request relayed by the trusted forwarder acts for its signer.
    function issueFor(address merchant, address member, uint256 amount, bytes32 ref) external {
        _requireIssuingAgent(merchant);
        _issueForPurchase(merchant, member, amount, ref);
    }

    /// @notice Issues each purchase of `purchases` as {issue} would (its own member, amount and ref),
    /// in one transaction, skipping those that cannot issue instead of reverting the batch.
    /// @dev Only a merchant, not while paused, 1 to {MAX_PURCHASE_BATCH} entries ({InvalidBatch},
    /// {PurchaseBatchTooLarge}). Each issued purchase emits {Transfer} then {PointsIssued}, exactly
    /// like {issue}, and claims its ref (so it can be clawed back, and never issues again); each
    /// skipped one emits {PurchaseSkipped} with its {SkipReason} and changes nothing. Entries are taken
    /// in order: the allowance is spent as they go, so a purchase that no longer fits is skipped
    /// ({SkipReason.AllowanceExhausted}) while a smaller one after it may still issue, and a ref
    /// repeated within the batch issues once. Returns how many purchases issued.
    function issuePurchases(Purchase[] calldata purchases) external onlyRole(MERCHANT_ROLE) returns (uint256 issued) {
        return _issuePurchases(_msgSender(), purchases);
    }

    /// @notice {issuePurchases} on behalf of `merchant`, by an issuing agent it authorized.
    /// @dev {issueFor}'s rules for the caller (an agent of `merchant`, which still holds
    /// `MERCHANT_ROLE`), {issuePurchases}' for the batch; refs are claimed in `merchant`'s namespace.
    function issuePurchasesFor(address merchant, Purchase[] calldata purchases) external returns (uint256 issued) {
        _requireIssuingAgent(merchant);
        return _issuePurchases(merchant, purchases);
    }

    /// @notice Issues `amounts[i]` points to each `members[i]` under one campaign `ref`.
    /// @dev Only a merchant, within its allowance for the total, not while paused. `ref` is claimed
    /// in the merchant's namespace like {issue}'s. A campaign cannot be clawed back. A member listed
    /// twice is credited twice. Any member that migrated away reverts the whole batch
    /// ({AccountMigratedAway}).
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
        _claimRef(merchant, ref, total, address(0));
        _spendIssuanceAllowance(merchant, total);
        for (uint256 i = 0; i < count; ++i) {
            _issue(merchant, members[i], amounts[i], ref);
        }
    }

    /// @notice Takes back up to what the caller's `ref` issued from its member, for a refunded purchase.
    /// @dev Only a merchant, only its own refs (another merchant's ref is not found:
    /// {UnknownIssuance}), only for a single-member issuance, only up to what it issued minus what
    /// was already clawed back, and only from points the member still holds (otherwise
    /// {ERC20InsufficientBalance}); if the member's account was migrated ({migrateAccount}), from the
    /// account it moved to, which {PointsClawedBack} names. The amount returns to the merchant's
    /// allowance and leaves the member's lifetime earned points: a refunded purchase never counted.
    /// Not while paused. Once offboarded, the merchant's refunds are the operator's
    /// ({operatorClawback}).
    function clawback(bytes32 ref, uint256 amount) external onlyRole(MERCHANT_ROLE) {
        _clawback(_msgSender(), ref, amount, true);
    }

    /// @notice {clawback} of a former merchant's `ref`, by the operator: the refunds a shop that left
    /// the coalition still owes its customers.
    /// @dev Only the operator, only while `merchant` holds no `MERCHANT_ROLE` ({MerchantStillActive}:
    /// a merchant in the coalition refunds by itself), with {clawback}'s bounds (`merchant`'s own ref,
    /// a single-member issuance, what it issued minus what was clawed back, points the member still
    /// holds). {PointsClawedBack} names `merchant`; its allowance stays as offboarding left it (zero).
    /// Not while paused.
    ///
    /// Security considerations: offboarding stops the former merchant's key from burning its former
    /// customers' points (a stolen key may be why it left); the operator, a multisig, decides which
    /// refunds are due instead.
    function operatorClawback(address merchant, bytes32 ref, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (hasRole(MERCHANT_ROLE, merchant)) revert MerchantStillActive(merchant);
        _clawback(merchant, ref, amount, false);
    }

    /// @notice {clawback} on behalf of `merchant`, by an issuing agent it authorized.
    /// @dev The same rules and event as {clawback} with `merchant` as the caller: `merchant` must
    /// hold `MERCHANT_ROLE` (an offboarded merchant refunds by itself, with {clawback}) and `ref` must
    /// be one of its refs (issued directly or through an agent); at most what `ref` issued minus what
    /// was already clawed back, from points the member still holds. The amount returns to
    /// `merchant`'s allowance.
    ///
    /// Security considerations: an agent can only undo issuances of the merchants that authorized
    /// it, never another merchant's, and never more than a ref issued.
    function clawbackFor(address merchant, bytes32 ref, uint256 amount) external {
        _requireIssuingAgent(merchant);
        _clawback(merchant, ref, amount, true);
    }

    /// @notice Authorizes (`authorized` true) or revokes `agent` to {issueFor} and {clawbackFor} on
    /// behalf of the calling merchant.
    /// @dev Only a merchant, not while paused. Emits {IssuingAgentSet} on every call, so the indexer
    /// and auditors can follow who may act for whom.
    ///
    /// Security considerations: an authorization is stored per (merchant, agent) and survives the
    /// merchant's offboarding, but it is inert while the merchant lacks `MERCHANT_ROLE`; a merchant
    /// onboarded again gets its agents back, so it should revoke agents it no longer trusts.
    function setIssuingAgent(address agent, bool authorized) external onlyRole(MERCHANT_ROLE) whenNotPaused {
        if (agent == address(0)) revert InvalidAccount(address(0));
        address merchant = _msgSender();
        _issuingAgents[merchant][agent] = authorized;
        emit IssuingAgentSet(merchant, agent, authorized);
    }

    /// @notice Whether `agent` may issue and claw back on behalf of `merchant` (while it is a merchant).
    function isIssuingAgent(address merchant, address agent) external view returns (bool) {
        return _issuingAgents[merchant][agent];
    }

    /// @dev The body of {clawback} and {clawbackFor}, for `merchant`'s `ref`.
    function _clawback(address merchant, bytes32 ref, uint256 amount, bool restoreAllowance) private {
        if (amount == 0) revert ZeroAmount();
        StoredIssuance memory issuance = _issuances[merchant][ref];
        if (issuance.member == address(0)) revert UnknownIssuance(ref);
        uint256 clawedBack = _clawedBack[merchant][ref];
        uint256 remaining = issuance.amount - clawedBack;
        if (amount > remaining) revert ClawbackExceedsIssuance(ref, remaining, amount);

        address member = _liveAccount(issuance.member);
        _clawedBack[merchant][ref] = clawedBack + amount;
        _burn(member, amount);
        _accounts[member].lifetimeEarned -= uint104(amount);
        if (restoreAllowance) _setIssuanceAllowance(merchant, issuanceAllowance[merchant] + amount);
        emit PointsClawedBack(merchant, member, ref, amount);
    }

    /// @notice The issuance `merchant` recorded under its `ref` (merchant zero when unused; member
    /// zero for a campaign).
    function issuanceOf(address merchant, bytes32 ref) external view returns (Issuance memory) {
        StoredIssuance memory stored = _issuances[merchant][ref];
        return Issuance({
            merchant: stored.amount == 0 ? address(0) : merchant,
            amount: stored.amount,
            member: stored.member,
            clawedBack: uint96(_clawedBack[merchant][ref])
        });
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
    /// for all. Reverts with {NotExpirable} before the deadline, without balance, when expiry is off,
    /// or for a registered charity (what members gave never expires; a removed charity is an
    /// ordinary account again). Not while paused. Only a balance change between two accounts is
    /// activity: neither a zero-point transfer nor a transfer to oneself postpones expiry.
    function expire(address member) external returns (uint256 amount) {
        Account memory account = _accounts[member];
        uint256 expiresAt_ = _expiresAt(member, account);
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
    /// An account moves once ({AccountMigratedAway} for a second move), to a target with no points,
    /// no lifetime earned and no account moved into it before ({MigrationTargetNotEmpty}): the tier
    /// that arrives is `from`'s alone. The target's last activity becomes the later of the two (a
    /// migration that moves points is itself activity, as a transfer is). An account with no points
    /// (even with no lifetime) still migrates, without a {Transfer}: this fixes its target, which its
    /// reward tokens must then follow ({RewardNFT-migrateTokens}). Emits {AccountMigrated} after the
    /// {Transfer}. {checkAccountMigration} tells beforehand whether the move is possible.
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
    /// - No pooling: two members can never move into one wallet, nor one member into a wallet that
    ///   already earned or holds points, so a tier is never reached by adding accounts together. A
    ///   wallet someone sent points to must pass them on (or donate them) first. The contract does
    ///   not see reward tokens: the migrator also refuses a target that holds some (the web does).
    /// - Blocked while paused, like every balance change.
    function migrateAccount(address from, address to, uint256 deadline, bytes calldata signature)
        external
        onlyRole(MIGRATOR_ROLE)
        whenNotPaused
    {
        checkAccountMigration(from, to);
        if (block.timestamp > deadline) revert MigrationSignatureExpired(deadline);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(ACCOUNT_MIGRATION_TYPEHASH, from, to, _useNonce(from), deadline)));
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidMigrationSignature(from);

        Account memory source = _accounts[from];
        if (source.balance != 0) _transfer(from, to, source.balance);
        Account storage target = _accounts[to];
        // The target had no lifetime earned (checkAccountMigration): it gets exactly `from`'s.
        target.lifetimeEarned = source.lifetimeEarned;
        _accounts[from].lifetimeEarned = 0;
        if (source.lastActivity > target.lastActivity) target.lastActivity = source.lastActivity;
        // `to` has no pointer of its own (checkMigrationTarget), so no cycle can form.
        migratedTo[from] = to;
        migratedFrom[to] = from;
        emit AccountMigrated(from, to, source.balance, source.lifetimeEarned);
    }

    /// @notice Reverts unless {migrateAccount} may move `from` to `to` (signature aside):
    /// {AccountMigratedAway} when `from` already moved, {checkMigrationTarget}'s rule for `to`, and
    /// {MigrationTargetNotEmpty} when `to` holds points, has lifetime earned, or received an account
    /// before. For the migrator to ask before anything is signed.
    function checkAccountMigration(address from, address to) public view {
        address movedTo = migratedTo[from];
        if (movedTo != address(0)) revert AccountMigratedAway(from, movedTo);
        checkMigrationTarget(from, to);
        Account memory target = _accounts[to];
        if (target.balance != 0 || target.lifetimeEarned != 0 || migratedFrom[to] != address(0)) {
            revert MigrationTargetNotEmpty(to);
        }
    }

    /// @notice Reverts unless a member's account (points or reward tokens) may move from `from` to
    /// `to`: {MigrationToSelf} when they are equal, {InvalidMigrationTarget} for the zero address, a
    /// merchant, a charity or an account that migrated away. The reward catalog applies the same rule
    /// through this function; {checkAccountMigration} adds the points account's own conditions.
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

    /// @notice When `member`'s balance becomes expirable; 0 when it has none, is a registered
    /// charity, or expiry is off.
    function expiresAt(address member) external view returns (uint256) {
        return _expiresAt(member, _accounts[member]);
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
    /// A member that migrated away is refused by `_update`, like on every path that credits it.
    function _issueForPurchase(address merchant, address member, uint256 amount, bytes32 ref) private {
        _claimRef(merchant, ref, amount, member);
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

    /// @dev Claims `ref` in `merchant`'s namespace: single-use per merchant, invisible to the others.
    function _claimRef(address merchant, bytes32 ref, uint256 amount, address member) private {
        StoredIssuance storage issuance = _issuances[merchant][ref];
        if (issuance.amount != 0) revert RefAlreadyUsed(ref);
        // A zero amount is refused by `_issue` in the same transaction, so a stored amount is never 0.
        _issuances[merchant][ref] = StoredIssuance({member: member, amount: amount.toUint96()});
    }

    /// @dev The body of {issuePurchases} and {issuePurchasesFor}. The allowance and the supply are read
    /// once and written once; each purchase costs one new issuance slot and one read-modify-write of
    /// its member's packed account (plus `migratedTo` for members with no history, as `_update` does).
    /// Its effects on an issued purchase are `_claimRef` + `_spendIssuanceAllowance` + `_issue`'s.
    function _issuePurchases(address merchant, Purchase[] calldata purchases) private returns (uint256 issued) {
        uint256 count = purchases.length;
        if (count == 0) revert InvalidBatch();
        if (count > MAX_PURCHASE_BATCH) revert PurchaseBatchTooLarge(count, MAX_PURCHASE_BATCH);
        _requireNotPaused();
        BatchTotals memory totals = BatchTotals({available: issuanceAllowance[merchant], supply: _supply});
        mapping(bytes32 => StoredIssuance) storage refs = _issuances[merchant];
        for (uint256 i = 0; i < count; ++i) {
            if (_issueBatchedPurchase(merchant, refs, purchases[i], totals)) {
                unchecked {
                    ++issued;
                }
            }
        }
        if (issued != 0) {
            issuanceAllowance[merchant] = totals.available;
            _supply = totals.supply;
        }
    }

    /// @dev What is left of the allowance and the supply so far in a batch, written back once at its end.
    struct BatchTotals {
        uint256 available;
        uint256 supply;
    }

    /// @dev One purchase of a batch: issues it (true) or emits {PurchaseSkipped} (false).
    function _issueBatchedPurchase(
        address merchant,
        mapping(bytes32 => StoredIssuance) storage refs,
        Purchase calldata purchase,
        BatchTotals memory totals
    ) private returns (bool) {
        address member = purchase.member;
        uint256 amount = purchase.amount;
        bytes32 ref = purchase.ref;
        (bool ok, SkipReason reason, Account memory account) =
            _checkPurchase(merchant, member, amount, refs[ref].amount, totals.available, totals.supply);
        if (!ok) {
            emit PurchaseSkipped(merchant, ref, reason);
            return false;
        }
        refs[ref] = StoredIssuance({member: member, amount: uint96(amount)});
        unchecked {
            // Bounded by _checkPurchase: amount <= available, supply + amount <= uint112 max (every
            // balance is at most the supply), lifetime + amount <= uint104 max.
            totals.available -= amount;
            totals.supply += amount;
            _accounts[member] = Account({
                balance: uint112(account.balance + amount),
                lifetimeEarned: uint104(account.lifetimeEarned + amount),
                lastActivity: uint40(block.timestamp)
            });
        }
        emit Transfer(address(0), member, amount);
        emit PointsIssued(merchant, member, ref, amount);
        return true;
    }

    /// @dev Whether one purchase of a batch can issue, and otherwise why not; also returns the member's
    /// account as read (one SLOAD), for the caller to write back.
    function _checkPurchase(
        address merchant,
        address member,
        uint256 amount,
        uint96 refAmount,
        uint256 available,
        uint256 supply
    ) private view returns (bool ok, SkipReason reason, Account memory account) {
        if (amount == 0) return (false, SkipReason.ZeroAmount, account);
        if (member == address(0) || member == merchant) return (false, SkipReason.InvalidMember, account);
        if (amount > type(uint96).max) return (false, SkipReason.AmountOutOfRange, account);
        if (refAmount != 0) return (false, SkipReason.RefAlreadyUsed, account);
        if (amount > available) return (false, SkipReason.AllowanceExhausted, account);
        if (supply + amount > type(uint112).max) return (false, SkipReason.SupplyCapReached, account);
        account = _accounts[member];
        if (uint256(account.lifetimeEarned) + amount > type(uint104).max) {
            return (false, SkipReason.AmountOutOfRange, account);
        }
        // An account that moved away holds neither points nor lifetime (as in `_update`).
        if (account.balance == 0 && account.lifetimeEarned == 0 && migratedTo[member] != address(0)) {
            return (false, SkipReason.MemberMigratedAway, account);
        }
        return (true, reason, account);
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

    function _expiresAt(address member, Account memory account) private view returns (uint256) {
        uint256 period = inactivityPeriod;
        if (period == 0 || account.balance == 0 || isCharity[member]) return 0;
        return uint256(account.lastActivity) + period;
    }

    /// @dev Moves points between packed accounts and stamps both parties' activity. A zero-value
    /// transfer changes nothing and stamps nobody: otherwise anyone could keep another account's
    /// points from expiring for free (a zero `transferFrom` needs no allowance). A transfer to
    /// oneself changes nothing either, and stamps nobody: otherwise one point sent to oneself once
    /// a year would keep a balance forever. Value never reaches an account that moved away
    /// ({AccountMigratedAway}); such an account holds neither points nor lifetime earned, so
    /// `migratedTo` is read only for recipients with neither (holders pay nothing for the check).
    /// Minting is capped so that every balance and the supply fit in `Account.balance` (uint112).
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        uint40 now_ = uint40(block.timestamp);
        bool moves = value != 0 && from != to;
        if (from == address(0)) {
            uint256 supply = _supply + value;
            if (supply > type(uint112).max) revert SupplyCapExceeded(value, type(uint112).max);
            _supply = supply;
        } else {
            Account storage sender = _accounts[from];
            uint256 balance = sender.balance;
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
            if (moves) {
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
        } else if (moves) {
            Account storage recipient = _accounts[to];
            if (recipient.balance == 0 && recipient.lifetimeEarned == 0) {
                address movedTo = migratedTo[to];
                if (movedTo != address(0)) revert AccountMigratedAway(to, movedTo);
            }
            unchecked {
                // Cannot overflow: every balance is at most the supply, capped at uint112 max.
                recipient.balance += uint112(value);
            }
            recipient.lastActivity = now_;
        }
        emit Transfer(from, to, value);
    }

    /// @dev Approvals stop while paused: a spender lined up during an emergency could act the
    /// instant it ends.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override whenNotPaused {
        super._approve(owner, spender, value, emitEvent);
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
