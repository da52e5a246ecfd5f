// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {CommonBase} from "forge-std/Base.sol";
import {Vm} from "forge-std/Vm.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {LoyaltyPoints} from "../../../contracts/points/LoyaltyPoints.sol";
import {IRewardNFT} from "../../../contracts/rewards/IRewardNFT.sol";
import {RewardNFT} from "../../../contracts/rewards/RewardNFT.sol";

/// @notice Drives random sequences of program actions for the invariant suite, with its own ghost
/// ledger. Every action predicts its outcome from the ghost state and compares it with the
/// contract's (success, or the exact custom error); a mismatch is recorded as a violation that an
/// invariant reports, because a plain revert here would be silently discarded (failOnRevert false).
contract LoyaltyHandler is CommonBase, StdCheats, StdUtils {
    uint256 public constant PERIOD = 30 days;
    uint256 public constant MAX_ISSUE = 300;

    LoyaltyPoints public immutable points;
    RewardNFT public immutable nft;

    // ---------------------------------------------------------------- actors

    address[] public members;
    address[] public merchants;
    address public charity;
    address[] public actors; // members, merchants, charity: every account that can hold points
    address[] public signers; // every account with a known key (members and merchants)
    mapping(address => uint256) public keyOf;

    uint256[] public thresholds;
    address public operator;

    // ---------------------------------------------------------------- rewards

    uint256[] public rewardIds;
    mapping(uint256 rewardId => uint256) public costOf;
    mapping(uint256 rewardId => uint256) public capOf;
    mapping(uint256 rewardId => uint256) public minTierOf;
    mapping(uint256 rewardId => bool) public mintOnlyOf;
    mapping(uint256 rewardId => bool) public soulboundOf;
    mapping(uint256 rewardId => address) public merchantOf;

    // ---------------------------------------------------------------- ghost ledger

    uint256 public ghostIssued;
    uint256 public ghostRedeemed;
    uint256 public ghostExpired;
    uint256 public ghostClawedBack;

    mapping(address => uint256) public ghostBalance;
    mapping(address => uint256) public ghostIssuedTo;
    mapping(address => uint256) public ghostClawedFrom;
    mapping(address => uint256) public ghostLastActivity;
    mapping(address => uint256) public lifetimeSeen;

    mapping(address merchant => uint256) public initialAllowance;
    mapping(address merchant => uint256) public merchantIssued;
    mapping(address merchant => uint256) public merchantClawedBack;

    struct SingleIssuance {
        bytes32 ref;
        address merchant;
        address member;
        uint256 amount;
        uint256 clawedBack;
    }

    SingleIssuance[] public singles;
    bytes32[] public usedRefs;
    /// @dev The merchant whose namespace each used ref belongs to (refs are per merchant).
    address[] public usedRefMerchants;
    mapping(address merchant => mapping(bytes32 ref => bool)) public refUsedBy;
    /// @dev How many batch entries were skipped for each reason (coverage of the skip paths).
    mapping(uint8 reason => uint256) public purchaseSkips;
    bytes32 private constant TRANSFER_TOPIC = keccak256("Transfer(address,address,uint256)");
    uint256 public refCounter;

    mapping(uint256 rewardId => uint256) public ghostMinted;
    uint256[] public tokens;
    mapping(uint256 tokenId => address) public ghostHolder;

    mapping(uint256 tokenId => uint256) public ghostConsumeCount;
    mapping(uint256 tokenId => address) public ghostConsumeSigner;
    mapping(uint256 tokenId => address) public ghostConsumeHolder;
    mapping(address holder => mapping(uint256 nonce => bool)) public ghostNonceUsed;

    struct Voucher {
        uint256 tokenId;
        address merchant;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    Voucher[] internal consumedVouchers;

    // ---------------------------------------------------------------- violations and coverage

    uint256 public violations;
    string public lastViolation;
    mapping(bytes32 action => uint256) public calls;
    mapping(bytes32 action => uint256) public successes;

    constructor(
        LoyaltyPoints points_,
        RewardNFT nft_,
        address[] memory members_,
        uint256[] memory memberKeys,
        address[] memory merchants_,
        uint256[] memory merchantKeys,
        uint256[] memory allowances,
        address charity_,
        uint256[] memory thresholds_
    ) {
        points = points_;
        nft = nft_;
        for (uint256 i = 0; i < members_.length; ++i) {
            members.push(members_[i]);
            actors.push(members_[i]);
            signers.push(members_[i]);
            keyOf[members_[i]] = memberKeys[i];
        }
        for (uint256 i = 0; i < merchants_.length; ++i) {
            merchants.push(merchants_[i]);
            actors.push(merchants_[i]);
            signers.push(merchants_[i]);
            keyOf[merchants_[i]] = merchantKeys[i];
            initialAllowance[merchants_[i]] = allowances[i];
        }
        charity = charity_;
        actors.push(charity_);
        thresholds = thresholds_;
    }

    /// @dev Called by the test's setUp: the operator may change the tier thresholds mid-run.
    function setOperator(address operator_) external {
        operator = operator_;
    }

    /// @dev Called by the test's setUp once the rewards exist.
    function registerReward(uint256 rewardId, address merchant, uint256 cost, uint256 cap, uint256 minTier, bool soulbound, bool mintOnly)
        external
    {
        rewardIds.push(rewardId);
        merchantOf[rewardId] = merchant;
        costOf[rewardId] = cost;
        capOf[rewardId] = cap;
        minTierOf[rewardId] = minTier;
        soulboundOf[rewardId] = soulbound;
        mintOnlyOf[rewardId] = mintOnly;
    }

    // ================================================================ actions

    function issue(uint256 memberSeed, uint256 merchantSeed, uint256 amount, uint256 mode) external {
        calls["issue"]++;
        address merchant = merchants[merchantSeed % merchants.length];
        address member = actors[memberSeed % actors.length];

        if (mode % 6 == 0 && usedRefs.length > 0) {
            // Replay of a used ref by the merchant that used it: always RefAlreadyUsed.
            bytes32 usedRef = usedRefs[mode % usedRefs.length];
            merchant = usedRefMerchants[mode % usedRefs.length];
            if (member == merchant) member = members[0];
            amount = _bound(amount, 1, MAX_ISSUE);
            vm.prank(merchant);
            try points.issue(member, amount, usedRef) {
                _violation("issue: replayed ref accepted");
            } catch (bytes memory err) {
                _expectError(err, abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, usedRef), "issue replay");
            }
            return;
        }

        uint256 available = _ghostAllowance(merchant);
        bytes32 ref = _nextRef();
        if (member == merchant) {
            vm.prank(merchant);
            try points.issue(member, 1, ref) {
                _violation("issue: self issuance accepted");
            } catch (bytes memory err) {
                if (available == 0) {
                    _expectError(
                        err,
                        abi.encodeWithSelector(ILoyaltyPoints.IssuanceAllowanceExceeded.selector, merchant, 0, 1),
                        "self issue, no allowance"
                    );
                } else {
                    _expectError(err, abi.encodeWithSelector(ILoyaltyPoints.SelfIssuance.selector, merchant), "self issue");
                }
            }
            return;
        }
        if (available == 0 || mode % 6 == 1) {
            // Beyond the allowance: refused, whatever the amount.
            uint256 over = available + _bound(amount, 1, MAX_ISSUE);
            vm.prank(merchant);
            try points.issue(member, over, ref) {
                _violation("issue: allowance exceeded");
            } catch (bytes memory err) {
                _expectError(
                    err,
                    abi.encodeWithSelector(ILoyaltyPoints.IssuanceAllowanceExceeded.selector, merchant, available, over),
                    "issue over allowance"
                );
            }
            return;
        }

        amount = _bound(amount, 1, _min(available, MAX_ISSUE));
        uint256 earnedBefore = points.lifetimeEarned(member);
        vm.prank(merchant);
        try points.issue(member, amount, ref) {
            successes["issue"]++;
            refUsedBy[merchant][ref] = true;
            usedRefs.push(ref);
            usedRefMerchants.push(merchant);
            singles.push(SingleIssuance(ref, merchant, member, amount, 0));
            _credit(merchant, member, amount);
            if (points.lifetimeEarned(member) != earnedBefore + amount) _violation("issue: lifetime not credited");
        } catch (bytes memory err) {
            _unexpected("issue", err);
        }
        _afterAction(address(0));
    }

    function issueBatch(uint256 merchantSeed, uint256 memberSeed, uint256 count, uint256 amountSeed) external {
        calls["issueBatch"]++;
        address merchant = merchants[merchantSeed % merchants.length];
        uint256 n = _bound(count, 1, 4);
        uint256 available = _ghostAllowance(merchant);
        bytes32 ref = _nextRef();
        address[] memory to = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            to[i] = members[uint256(keccak256(abi.encode(memberSeed, i))) % members.length];
            amounts[i] = _bound(uint256(keccak256(abi.encode(amountSeed, i))), 1, MAX_ISSUE / 2);
            total += amounts[i];
        }
        vm.prank(merchant);
        try points.issueBatch(to, amounts, ref) {
            if (total > available) _violation("issueBatch: allowance exceeded");
            successes["issueBatch"]++;
            refUsedBy[merchant][ref] = true;
            usedRefs.push(ref);
            usedRefMerchants.push(merchant);
            for (uint256 i = 0; i < n; ++i) {
                _credit(merchant, to[i], amounts[i]);
            }
        } catch (bytes memory err) {
            if (total > available) {
                _expectError(
                    err,
                    abi.encodeWithSelector(
                        ILoyaltyPoints.IssuanceAllowanceExceeded.selector, merchant, available, total
                    ),
                    "issueBatch over allowance"
                );
            } else {
                _unexpected("issueBatch", err);
            }
        }
        _afterAction(address(0));
    }

    /// @dev A batch of purchases through the merchant's agent or the merchant itself, mixing fresh
    /// refs, refs used before (by any path), a ref repeated within the batch, zero amounts, the
    /// merchant as member and amounts beyond what is left: each entry's outcome (issued, or skipped
    /// with which reason) is predicted from the ghost ledger and compared with the logs.
    function issuePurchases(uint256 merchantSeed, uint256 memberSeed, uint256 count, uint256 amountSeed) external {
        calls["issuePurchases"]++;
        address merchant = merchants[merchantSeed % merchants.length];
        uint256 n = _bound(count, 1, 6);
        ILoyaltyPoints.Purchase[] memory batch = new ILoyaltyPoints.Purchase[](n);
        bool[] memory issues = new bool[](n);
        ILoyaltyPoints.SkipReason[] memory reasons = new ILoyaltyPoints.SkipReason[](n);
        uint256 available = _ghostAllowance(merchant);
        for (uint256 i = 0; i < n; ++i) {
            uint256 seed = uint256(keccak256(abi.encode(amountSeed, i)));
            address member = actors[uint256(keccak256(abi.encode(memberSeed, i))) % actors.length];
            bytes32 ref = _nextRef();
            uint256 amount = _bound(seed, 1, MAX_ISSUE);
            if (seed % 7 == 0) amount = 0;
            else if (seed % 7 == 1 && i > 0) ref = batch[i - 1].ref; // repeated within the batch
            else if (seed % 7 == 2 && usedRefs.length > 0) ref = _usedRefOf(merchant, seed);
            else if (seed % 7 == 3) amount = available + 1 + seed % MAX_ISSUE;
            batch[i] = ILoyaltyPoints.Purchase({member: member, amount: amount, ref: ref});
            (issues[i], reasons[i]) = _predictPurchase(merchant, batch, i, issues, available);
            if (issues[i]) available -= amount;
        }
        vm.recordLogs();
        vm.prank(merchant);
        try points.issuePurchases(batch) returns (uint256 issued) {
            _checkPurchaseLogs(merchant, batch, issues, reasons, issued);
        } catch (bytes memory err) {
            _unexpected("issuePurchases", err);
        }
        _afterAction(address(0));
    }

    /// @dev What the contract must do with entry `i` given the entries before it.
    function _predictPurchase(
        address merchant,
        ILoyaltyPoints.Purchase[] memory batch,
        uint256 i,
        bool[] memory issues,
        uint256 available
    ) private view returns (bool, ILoyaltyPoints.SkipReason) {
        ILoyaltyPoints.Purchase memory p = batch[i];
        if (p.amount == 0) return (false, ILoyaltyPoints.SkipReason.ZeroAmount);
        if (p.member == merchant) return (false, ILoyaltyPoints.SkipReason.InvalidMember);
        bool used = refUsedBy[merchant][p.ref];
        for (uint256 j = 0; j < i; ++j) {
            if (issues[j] && batch[j].ref == p.ref) used = true;
        }
        if (used) return (false, ILoyaltyPoints.SkipReason.RefAlreadyUsed);
        if (p.amount > available) return (false, ILoyaltyPoints.SkipReason.AllowanceExhausted);
        return (true, ILoyaltyPoints.SkipReason.ZeroAmount);
    }

    function _checkPurchaseLogs(
        address merchant,
        ILoyaltyPoints.Purchase[] memory batch,
        bool[] memory issues,
        ILoyaltyPoints.SkipReason[] memory reasons,
        uint256 issued
    ) private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 next; // the next log of the points contract
        uint256 expectedIssued;
        for (uint256 i = 0; i < batch.length; ++i) {
            while (next < logs.length && logs[next].emitter != address(points)) ++next;
            if (next >= logs.length) {
                _violation("issuePurchases: missing log");
                return;
            }
            Vm.Log memory log = logs[next];
            if (issues[i]) {
                // Transfer, then PointsIssued naming the merchant, member, ref and amount.
                Vm.Log memory issuedLog = logs[next + 1];
                if (log.topics[0] != TRANSFER_TOPIC || issuedLog.topics[0] != ILoyaltyPoints.PointsIssued.selector
                    || issuedLog.topics[1] != bytes32(uint256(uint160(merchant)))
                    || issuedLog.topics[2] != bytes32(uint256(uint160(batch[i].member))) || issuedLog.topics[3] != batch[i].ref
                    || abi.decode(issuedLog.data, (uint256)) != batch[i].amount) {
                    _violation("issuePurchases: an issued purchase's events differ");
                }
                next += 2;
                ++expectedIssued;
                successes["issuePurchases"]++;
                refUsedBy[merchant][batch[i].ref] = true;
                usedRefs.push(batch[i].ref);
                usedRefMerchants.push(merchant);
                singles.push(SingleIssuance(batch[i].ref, merchant, batch[i].member, batch[i].amount, 0));
                _credit(merchant, batch[i].member, batch[i].amount);
            } else {
                if (log.topics[0] != ILoyaltyPoints.PurchaseSkipped.selector || log.topics[2] != batch[i].ref
                    || abi.decode(log.data, (ILoyaltyPoints.SkipReason)) != reasons[i]) {
                    _violation("issuePurchases: a skipped purchase's reason differs");
                }
                purchaseSkips[uint8(reasons[i])]++;
                next += 1;
            }
        }
        if (issued != expectedIssued) _violation("issuePurchases: issued count differs");
    }

    /// @dev A ref `merchant` already used (or a fresh one when it used none).
    function _usedRefOf(address merchant, uint256 seed) private returns (bytes32) {
        for (uint256 k = 0; k < usedRefs.length; ++k) {
            uint256 j = (seed + k) % usedRefs.length;
            if (usedRefMerchants[j] == merchant) return usedRefs[j];
        }
        return _nextRef();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        calls["transfer"]++;
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        uint256 balance = ghostBalance[from];
        bool overdraw = amount % 8 == 0;
        amount = overdraw ? balance + 1 + amount % 100 : _bound(amount, 0, balance);
        uint256 fromEarned = points.lifetimeEarned(from);
        uint256 toEarned = points.lifetimeEarned(to);

        vm.prank(from);
        try points.transfer(to, amount) returns (bool ok) {
            if (!ok) _violation("transfer returned false");
            if (overdraw) _violation("transfer: overdraw accepted");
            successes["transfer"]++;
            ghostBalance[from] -= amount;
            ghostBalance[to] += amount;
            // A zero-value transfer, or one to oneself, changes nothing: it stamps nobody's activity.
            if (amount != 0 && from != to) {
                ghostLastActivity[from] = block.timestamp;
                ghostLastActivity[to] = block.timestamp;
            }
        } catch (bytes memory err) {
            if (overdraw) {
                _expectError(
                    err,
                    abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, from, balance, amount),
                    "transfer overdraw"
                );
            } else {
                _unexpected("transfer", err);
            }
        }
        if (points.lifetimeEarned(from) != fromEarned || points.lifetimeEarned(to) != toEarned) {
            _violation("transfer changed lifetime earned");
        }
        _afterAction(address(0));
    }

    function donate(uint256 memberSeed, uint256 amount) external {
        calls["donate"]++;
        address member = members[memberSeed % members.length];
        uint256 balance = ghostBalance[member];
        if (balance == 0) return;
        amount = _bound(amount, 1, balance);
        uint256 earned = points.lifetimeEarned(member);
        vm.prank(member);
        try points.donate(charity, amount) {
            successes["donate"]++;
            ghostBalance[member] -= amount;
            ghostBalance[charity] += amount;
            ghostLastActivity[member] = block.timestamp;
            ghostLastActivity[charity] = block.timestamp;
        } catch (bytes memory err) {
            _unexpected("donate", err);
        }
        if (points.lifetimeEarned(member) != earned) _violation("donate changed lifetime earned");
        _afterAction(address(0));
    }

    function redeem(uint256 memberSeed, uint256 rewardSeed) external {
        calls["redeem"]++;
        address member = members[memberSeed % members.length];
        uint256 rewardId = rewardIds[rewardSeed % rewardIds.length];
        uint256 cost = costOf[rewardId];
        uint256 tier = _referenceTier(ghostIssuedTo[member] - ghostClawedFrom[member]);
        bytes memory expected;
        // Checked in the order of redeem's NatSpec: mint-only, sold out, tier, balance.
        if (mintOnlyOf[rewardId]) {
            expected = abi.encodeWithSelector(IRewardNFT.RewardNotRedeemable.selector, rewardId);
        } else if (ghostMinted[rewardId] >= capOf[rewardId]) {
            expected = abi.encodeWithSelector(IRewardNFT.RewardSoldOut.selector, rewardId, capOf[rewardId]);
        } else if (tier < minTierOf[rewardId]) {
            expected = abi.encodeWithSelector(IRewardNFT.TierTooLow.selector, member, tier, minTierOf[rewardId]);
        } else if (ghostBalance[member] < cost) {
            expected =
                abi.encodeWithSelector(IRewardNFT.InsufficientPoints.selector, member, ghostBalance[member], cost);
        }

        vm.prank(member);
        try nft.redeem(rewardId) returns (uint256 tokenId) {
            if (expected.length != 0) _violation("redeem: accepted against the rules");
            successes["redeem"]++;
            ghostRedeemed += cost;
            ghostBalance[member] -= cost;
            if (cost != 0) ghostLastActivity[member] = block.timestamp;
            _recordMint(rewardId, tokenId, member);
        } catch (bytes memory err) {
            if (expected.length == 0) _unexpected("redeem", err);
            else _expectError(err, expected, "redeem refused");
        }
        _afterAction(address(0));
    }

    function warp(uint256 secondsSeed) external {
        calls["warp"]++;
        vm.warp(block.timestamp + _bound(secondsSeed, 1, 20 days));
    }

    function expire(uint256 actorSeed, uint256 keeperSeed, uint256 mode) external {
        calls["expire"]++;
        address account = actors[actorSeed % actors.length];
        address keeper = actors[keeperSeed % actors.length];
        if (mode % 3 != 2) {
            // Boundary modes aim at an account that holds points, when there is one.
            for (uint256 i = 0; i < actors.length && ghostBalance[account] == 0; ++i) {
                account = actors[(actorSeed % actors.length + i) % actors.length];
            }
        }
        uint256 balance = ghostBalance[account];
        // A registered charity's points never expire.
        uint256 deadline = balance == 0 || account == charity ? 0 : ghostLastActivity[account] + PERIOD;

        if (mode % 3 == 0 && deadline > block.timestamp) {
            // Boundary: one second before the deadline it is refused, at the deadline it works.
            vm.warp(deadline - 1);
        } else if (mode % 3 == 1 && deadline > block.timestamp) {
            vm.warp(deadline);
        } else {
            vm.warp(block.timestamp + _bound(mode, 0, 40 days));
        }
        bool expirable = balance != 0 && deadline != 0 && block.timestamp >= deadline;

        vm.prank(keeper);
        try points.expire(account) returns (uint256 burnt) {
            if (!expirable) _violation("expire: accepted before the deadline");
            if (burnt != balance) _violation("expire: wrong amount");
            successes["expire"]++;
            ghostExpired += balance;
            ghostBalance[account] = 0;
            ghostLastActivity[account] = block.timestamp;
        } catch (bytes memory err) {
            if (expirable) _unexpected("expire", err);
            else _expectError(err, abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, account, deadline), "expire early");
        }
        _afterAction(address(0));
    }

    function clawback(uint256 issuanceSeed, uint256 amount, uint256 mode) external {
        calls["clawback"]++;
        if (singles.length == 0) return;
        uint256 index = issuanceSeed % singles.length;
        SingleIssuance storage s = singles[index];
        uint256 remaining = s.amount - s.clawedBack;
        address caller = s.merchant;
        bytes memory expected;
        if (mode % 5 == 0) {
            // The wrong merchant: the ref is not one of its own (refs are per merchant).
            caller = merchants[(_indexOf(merchants, s.merchant) + 1 + mode % (merchants.length - 1)) % merchants.length];
            amount = _bound(amount, 1, MAX_ISSUE);
            expected = abi.encodeWithSelector(ILoyaltyPoints.UnknownIssuance.selector, s.ref);
        } else if (remaining == 0 || mode % 5 == 1) {
            amount = remaining + _bound(amount, 1, MAX_ISSUE);
            expected = abi.encodeWithSelector(ILoyaltyPoints.ClawbackExceedsIssuance.selector, s.ref, remaining, amount);
        } else {
            amount = _bound(amount, 1, remaining);
            if (ghostBalance[s.member] < amount) {
                expected = abi.encodeWithSelector(
                    IERC20Errors.ERC20InsufficientBalance.selector, s.member, ghostBalance[s.member], amount
                );
            }
        }

        vm.prank(caller);
        try points.clawback(s.ref, amount) {
            if (expected.length != 0) _violation("clawback: accepted against the rules");
            successes["clawback"]++;
            s.clawedBack += amount;
            ghostClawedBack += amount;
            ghostClawedFrom[s.member] += amount;
            merchantClawedBack[s.merchant] += amount;
            ghostBalance[s.member] -= amount;
            ghostLastActivity[s.member] = block.timestamp;
        } catch (bytes memory err) {
            if (expected.length == 0) _unexpected("clawback", err);
            else _expectError(err, expected, "clawback refused");
        }
        _afterAction(s.member);
    }

    function mintExclusive(uint256 rewardSeed, uint256 memberSeed, uint256 mode) external {
        calls["mintExclusive"]++;
        uint256 rewardId = rewardIds[rewardSeed % rewardIds.length];
        address member = members[memberSeed % members.length];
        address merchant = merchantOf[rewardId];
        bytes memory expected;
        if (mode % 5 == 0) {
            merchant = merchants[(_indexOf(merchants, merchant) + 1) % merchants.length];
            expected = abi.encodeWithSelector(IRewardNFT.NotRewardMerchant.selector, rewardId, merchant);
        } else if (ghostMinted[rewardId] >= capOf[rewardId]) {
            expected = abi.encodeWithSelector(IRewardNFT.RewardSoldOut.selector, rewardId, capOf[rewardId]);
        }
        vm.prank(merchant);
        try nft.mintExclusive(rewardId, member) returns (uint256 tokenId) {
            if (expected.length != 0) _violation("mintExclusive: accepted against the rules");
            successes["mintExclusive"]++;
            _recordMint(rewardId, tokenId, member);
        } catch (bytes memory err) {
            if (expected.length == 0) _unexpected("mintExclusive", err);
            else _expectError(err, expected, "mintExclusive refused");
        }
    }

    function transferToken(uint256 tokenSeed, uint256 toSeed) external {
        calls["transferToken"]++;
        if (tokens.length == 0) return;
        uint256 tokenId = tokens[tokenSeed % tokens.length];
        address holder = ghostHolder[tokenId];
        address to = members[toSeed % members.length];
        if (to == holder) to = members[(toSeed % members.length + 1) % members.length];

        // A signature the holder hands out before giving the token away must die with the transfer.
        uint256 nonce = _freshNonce(holder, toSeed);
        address merchant = merchantOf[nft.rewardOf(tokenId)];
        uint256 deadline = block.timestamp + 1 days;
        bytes memory stale = _signVoucher(keyOf[holder], tokenId, holder, merchant, nonce, deadline);

        vm.prank(holder);
        try nft.transferFrom(holder, to, tokenId) {
            if (soulboundOf[nft.rewardOf(tokenId)]) _violation("soulbound token moved");
            successes["transferToken"]++;
            ghostHolder[tokenId] = to;
        } catch (bytes memory err) {
            if (soulboundOf[nft.rewardOf(tokenId)]) {
                _expectError(err, abi.encodeWithSelector(IRewardNFT.SoulboundToken.selector, tokenId), "soulbound");
            } else {
                _unexpected("transferToken", err);
            }
            return;
        }

        vm.prank(merchant);
        try nft.consumeVoucher(tokenId, nonce, deadline, stale) {
            _violation("voucher: previous holder's signature accepted");
        } catch (bytes memory err) {
            bytes memory expected = ghostConsumeCount[tokenId] != 0
                ? abi.encodeWithSelector(IRewardNFT.VoucherAlreadyConsumed.selector, tokenId)
                : ghostNonceUsed[to][nonce]
                    ? abi.encodeWithSelector(IRewardNFT.VoucherNonceUsed.selector, to, nonce)
                    : abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, to);
            _expectError(err, expected, "stale voucher");
        }
    }

    /// @param mode 0-1: the holder signs; 2: another actor signs (for the holder, or as itself);
    /// 3: replay of a consumed voucher; 4: the holder signs but the deadline has passed.
    function consumeVoucher(uint256 tokenSeed, uint256 signerSeed, uint256 nonceSeed, uint256 mode) external {
        calls["consumeVoucher"]++;
        mode = mode % 5;
        if (mode == 3) {
            _replayVoucher(tokenSeed);
            return;
        }
        if (tokens.length == 0) return;
        uint256 tokenId = tokens[tokenSeed % tokens.length];
        address holder = ghostHolder[tokenId];
        address merchant = merchantOf[nft.rewardOf(tokenId)];
        uint256 nonce = _bound(nonceSeed, 0, 15); // a small range, so nonce reuse happens
        uint256 deadline = block.timestamp + _bound(signerSeed, 0, 2 days);
        bool expired = mode == 4;

        address signer = holder;
        address claimed = holder;
        if (mode == 2) {
            signer = signers[signerSeed % signers.length];
            if (signer == holder) signer = signers[(signerSeed % signers.length + 1) % signers.length];
            if (signerSeed % 2 == 0) claimed = signer; // the forger names itself as the holder
        }
        bytes memory sig = _signVoucher(keyOf[signer], tokenId, claimed, merchant, nonce, deadline);
        if (expired) vm.warp(deadline + 1 + _bound(nonceSeed, 0, 1 days));

        bytes memory expected;
        if (expired) expected = abi.encodeWithSelector(IRewardNFT.VoucherSignatureExpired.selector, deadline);
        else if (ghostConsumeCount[tokenId] != 0) {
            expected = abi.encodeWithSelector(IRewardNFT.VoucherAlreadyConsumed.selector, tokenId);
        } else if (ghostNonceUsed[holder][nonce]) {
            expected = abi.encodeWithSelector(IRewardNFT.VoucherNonceUsed.selector, holder, nonce);
        } else if (signer != holder) {
            expected = abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder);
        }

        vm.prank(merchant);
        try nft.consumeVoucher(tokenId, nonce, deadline, sig) {
            if (expected.length != 0) _violation("voucher: consumed against the rules");
            successes["consumeVoucher"]++;
            ghostConsumeCount[tokenId]++;
            ghostConsumeSigner[tokenId] = signer;
            ghostConsumeHolder[tokenId] = holder;
            ghostNonceUsed[holder][nonce] = true;
            consumedVouchers.push(Voucher(tokenId, merchant, nonce, deadline, sig));
        } catch (bytes memory err) {
            if (expected.length == 0) _unexpected("consumeVoucher", err);
            else _expectError(err, expected, "voucher refused");
        }
    }

    /// @dev The operator switches to another tier table: tiers follow at once, lifetime earned stays.
    function setTierThresholds(uint256 seed) external {
        calls["setTierThresholds"]++;
        uint256[] memory next;
        uint256 pick = seed % 4;
        if (pick == 0) {
            next = new uint256[](3);
            (next[0], next[1], next[2]) = (100, 400, 1_200);
        } else if (pick == 1) {
            next = new uint256[](2);
            (next[0], next[1]) = (50, 300);
        } else if (pick == 2) {
            next = new uint256[](16);
            for (uint256 i = 0; i < 16; ++i) next[i] = 25 * (i + 1) ** 2;
        } // pick 3: no tiers at all
        vm.prank(operator);
        try points.setTierThresholds(next) {
            successes["setTierThresholds"]++;
            thresholds = next;
        } catch (bytes memory err) {
            _unexpected("setTierThresholds", err);
        }
        _afterAction(address(0));
    }

    function cancelVoucherNonce(uint256 memberSeed, uint256 nonceSeed) external {
        calls["cancelVoucherNonce"]++;
        address holder = members[memberSeed % members.length];
        uint256 nonce = _bound(nonceSeed, 0, 15);
        bool used = ghostNonceUsed[holder][nonce];
        vm.prank(holder);
        try nft.cancelVoucherNonce(nonce) {
            if (used) _violation("cancelVoucherNonce: used nonce cancelled again");
            ghostNonceUsed[holder][nonce] = true;
        } catch (bytes memory err) {
            if (!used) _unexpected("cancelVoucherNonce", err);
            else _expectError(err, abi.encodeWithSelector(IRewardNFT.VoucherNonceUsed.selector, holder, nonce), "cancel");
        }
    }

    // ================================================================ views for the invariants

    function singleCount() external view returns (uint256) {
        return singles.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function memberCount() external view returns (uint256) {
        return members.length;
    }

    function merchantCount() external view returns (uint256) {
        return merchants.length;
    }

    function rewardCount() external view returns (uint256) {
        return rewardIds.length;
    }

    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    function thresholdList() external view returns (uint256[] memory) {
        return thresholds;
    }

    function ghostAllowance(address merchant) external view returns (uint256) {
        return _ghostAllowance(merchant);
    }

    function referenceTier(uint256 earned) external view returns (uint256) {
        return _referenceTier(earned);
    }

    // ================================================================ internals

    function _replayVoucher(uint256 seed) private {
        if (consumedVouchers.length == 0) return;
        Voucher memory v = consumedVouchers[seed % consumedVouchers.length];
        bytes memory expected = block.timestamp > v.deadline
            ? abi.encodeWithSelector(IRewardNFT.VoucherSignatureExpired.selector, v.deadline)
            : abi.encodeWithSelector(IRewardNFT.VoucherAlreadyConsumed.selector, v.tokenId);
        vm.prank(v.merchant);
        try nft.consumeVoucher(v.tokenId, v.nonce, v.deadline, v.signature) {
            _violation("voucher: replay accepted");
        } catch (bytes memory err) {
            _expectError(err, expected, "voucher replay");
        }
    }

    function _credit(address merchant, address member, uint256 amount) private {
        ghostIssued += amount;
        ghostIssuedTo[member] += amount;
        merchantIssued[merchant] += amount;
        ghostBalance[member] += amount;
        ghostLastActivity[member] = block.timestamp;
    }

    function _recordMint(uint256 rewardId, uint256 tokenId, address member) private {
        ghostMinted[rewardId]++;
        if (tokenId != (rewardId << 128 | ghostMinted[rewardId])) _violation("unexpected token id");
        tokens.push(tokenId);
        ghostHolder[tokenId] = member;
    }

    /// @dev Lifetime earned may only go down through a clawback of `clawedMember`.
    function _afterAction(address clawedMember) private {
        for (uint256 i = 0; i < actors.length; ++i) {
            address a = actors[i];
            uint256 earned = points.lifetimeEarned(a);
            if (earned < lifetimeSeen[a] && a != clawedMember) _violation("lifetime earned decreased without clawback");
            lifetimeSeen[a] = earned;
        }
    }

    function _ghostAllowance(address merchant) private view returns (uint256) {
        return initialAllowance[merchant] + merchantClawedBack[merchant] - merchantIssued[merchant];
    }

    function _referenceTier(uint256 earned) private view returns (uint256 tier) {
        for (uint256 i = 0; i < thresholds.length; ++i) {
            if (earned >= thresholds[i]) tier++;
        }
    }

    function _nextRef() private returns (bytes32) {
        return keccak256(abi.encode("order", ++refCounter));
    }

    function _freshNonce(address holder, uint256 seed) private view returns (uint256 nonce) {
        nonce = 1_000 + seed % 1_000_000;
        while (ghostNonceUsed[holder][nonce]) ++nonce;
    }

    function _signVoucher(uint256 pk, uint256 tokenId, address holder, address merchant, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(abi.encode(nft.VOUCHER_USE_TYPEHASH(), tokenId, holder, merchant, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", nft.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _indexOf(address[] storage list, address a) private view returns (uint256) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == a) return i;
        }
        return 0;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _expectError(bytes memory actual, bytes memory expected, string memory what) private {
        if (keccak256(actual) != keccak256(expected)) _violation(string.concat(what, ": unexpected error"));
    }

    function _unexpected(string memory what, bytes memory) private {
        _violation(string.concat(what, ": reverted although the rules allow it"));
    }

    function _violation(string memory what) private {
        violations++;
        lastViolation = what;
    }
}
