// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {LoyaltyFixture} from "../utils/LoyaltyFixture.sol";
import {MigrationFixture} from "../utils/MigrationFixture.sol";

/// @notice Stateless fuzz tests of the points ledger: issuance and refs, transfers, donations,
/// tiers, expiry and clawbacks.
contract LoyaltyPointsFuzzTest is LoyaltyFixture {
    uint256 internal constant ALLOWANCE = type(uint96).max;

    address internal merchant = makeAddr("merchant");
    address internal otherMerchant = makeAddr("otherMerchant");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal charity = makeAddr("charity");

    function setUp() public {
        _deployProgram();
        _onboard(merchant, ALLOWANCE);
        _onboard(otherMerchant, ALLOWANCE);
        vm.prank(operator);
        points.registerCharity(charity, "charity");
    }

    function _issue(address member, uint256 amount, bytes32 ref) internal {
        vm.prank(merchant);
        points.issue(member, amount, ref);
    }

    // ================================================================ issue / refs

    function testFuzz_IssueCreditsAndRefReplayAlwaysReverts(
        uint256 amount,
        bytes32 ref,
        uint256 replayAmount,
        address replayMember
    ) public {
        amount = bound(amount, 1, 1e24);
        replayAmount = bound(replayAmount, 1, 1e24);
        vm.assume(replayMember != address(0) && replayMember != merchant && replayMember != otherMerchant);

        uint256 allowanceBefore = points.issuanceAllowance(merchant);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsIssued(merchant, alice, ref, amount);
        _issue(alice, amount, ref);

        assertEq(points.balanceOf(alice), amount);
        assertEq(points.lifetimeEarned(alice), amount);
        assertEq(points.totalSupply(), amount);
        assertEq(points.lastActivity(alice), block.timestamp);
        assertEq(points.issuanceAllowance(merchant), allowanceBefore - amount);
        ILoyaltyPoints.Issuance memory rec = points.issuanceOf(merchant, ref);
        assertEq(rec.merchant, merchant);
        assertEq(rec.member, alice);
        assertEq(uint256(rec.amount), amount);
        assertEq(uint256(rec.clawedBack), 0);

        // Same merchant, any amount or member: the ref is spent.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, ref));
        vm.prank(merchant);
        points.issue(replayMember, replayAmount, ref);

        // Another merchant's same value is another ref: it issues in its own namespace, and leaves
        // this merchant's issuance untouched.
        vm.prank(otherMerchant);
        points.issue(replayMember, replayAmount, ref);
        assertEq(points.issuanceOf(otherMerchant, ref).member, replayMember);
        assertEq(uint256(points.issuanceOf(merchant, ref).amount), amount);

        // Nor as a campaign ref.
        address[] memory members = new address[](1);
        members[0] = replayMember;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = replayAmount;
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, ref));
        vm.prank(merchant);
        points.issueBatch(members, amounts, ref);

        assertEq(points.totalSupply(), amount + replayAmount, "replays minted nothing");
    }

    function testFuzz_IssueBatchRefReplayReverts(uint256[4] memory rawAmounts, uint8 count, bytes32 ref) public {
        uint256 n = bound(count, 1, 4);
        address[] memory members = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            members[i] = i % 2 == 0 ? alice : bob;
            amounts[i] = bound(rawAmounts[i], 1, 1e20);
            total += amounts[i];
        }
        vm.prank(merchant);
        points.issueBatch(members, amounts, ref);
        assertEq(points.totalSupply(), total);
        assertEq(points.balanceOf(alice) + points.balanceOf(bob), total);
        assertEq(points.lifetimeEarned(alice) + points.lifetimeEarned(bob), total);
        assertEq(points.issuanceAllowance(merchant), ALLOWANCE - total);

        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, ref));
        vm.prank(merchant);
        points.issueBatch(members, amounts, ref);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, ref));
        vm.prank(merchant);
        points.issue(alice, 1, ref);

        // A campaign cannot be clawed back.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.UnknownIssuance.selector, ref));
        vm.prank(merchant);
        points.clawback(ref, 1);
    }

    function testFuzz_IssueBeyondAllowanceReverts(uint256 allowance, uint256 amount, bytes32 ref) public {
        allowance = bound(allowance, 0, 1e27);
        amount = bound(amount, allowance + 1, type(uint96).max);
        vm.prank(operator);
        points.setIssuanceAllowance(merchant, allowance);
        vm.expectRevert(
            abi.encodeWithSelector(ILoyaltyPoints.IssuanceAllowanceExceeded.selector, merchant, allowance, amount)
        );
        _issue(alice, amount, ref);
        // The failed attempt did not burn the ref.
        if (allowance > 0) {
            _issue(alice, allowance, ref);
            assertEq(points.issuanceAllowance(merchant), 0);
        }
    }

    function testFuzz_IssueByNonMerchantReverts(address caller, uint256 amount, bytes32 ref) public {
        vm.assume(caller != merchant && caller != otherMerchant && caller != address(forwarder));
        amount = bound(amount, 1, 1e24);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, points.MERCHANT_ROLE()
            )
        );
        vm.prank(caller);
        points.issue(alice, amount, ref);
    }

    // ================================================================ transfers

    function testFuzz_TransferAmountVsBalance(uint256 issued, uint256 amount) public {
        issued = bound(issued, 1, 1e24);
        amount = bound(amount, 0, 2e24);
        _issue(alice, issued, keccak256("purchase"));
        skip(1 hours);

        if (amount > issued) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, issued, amount)
            );
            vm.prank(alice);
            points.transfer(bob, amount);
            assertEq(points.balanceOf(alice), issued);
            assertEq(points.lastActivity(alice), block.timestamp - 1 hours, "a failed transfer is no activity");
        } else {
            vm.prank(alice);
            assertTrue(points.transfer(bob, amount));
            assertEq(points.balanceOf(alice), issued - amount);
            assertEq(points.balanceOf(bob), amount);
            // A zero-value transfer changes nothing and stamps nobody: otherwise anyone could keep
            // another account's points from expiring for free.
            uint256 stamped = amount == 0 ? block.timestamp - 1 hours : block.timestamp;
            assertEq(points.lastActivity(alice), stamped);
            assertEq(points.lastActivity(bob), amount == 0 ? 0 : block.timestamp);
        }
        // Transfers never count as earning.
        assertEq(points.lifetimeEarned(alice), issued);
        assertEq(points.lifetimeEarned(bob), 0);
        assertEq(points.totalSupply(), issued);
    }

    function testFuzz_TransferFromRespectsAllowanceAndBalance(uint256 issued, uint256 approved, uint256 amount)
        public
    {
        issued = bound(issued, 1, 1e24);
        approved = bound(approved, 0, 2e24);
        amount = bound(amount, 1, 2e24);
        _issue(alice, issued, keccak256("purchase"));
        vm.prank(alice);
        points.approve(bob, approved);

        vm.prank(bob);
        if (amount > approved) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, approved, amount)
            );
            points.transferFrom(alice, charity, amount);
        } else if (amount > issued) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, issued, amount)
            );
            points.transferFrom(alice, charity, amount);
        } else {
            points.transferFrom(alice, charity, amount);
            assertEq(points.balanceOf(charity), amount);
        }
        assertEq(points.lifetimeEarned(charity), 0);
        assertEq(points.totalSupply(), issued);
    }

    function testFuzz_DonateOnlyToCharities(uint256 issued, uint256 amount, address target) public {
        issued = bound(issued, 1, 1e24);
        amount = bound(amount, 0, 2e24);
        _issue(alice, issued, keccak256("purchase"));

        if (target != charity) {
            vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.UnknownCharity.selector, target));
        } else if (amount == 0) {
            vm.expectRevert(ILoyaltyPoints.ZeroAmount.selector);
        } else if (amount > issued) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, issued, amount)
            );
        }
        vm.prank(alice);
        points.donate(target, amount);
        bool ok = target == charity && amount != 0 && amount <= issued;
        assertEq(points.balanceOf(charity), ok ? amount : 0);
        assertEq(points.balanceOf(alice), ok ? issued - amount : issued);
        assertEq(points.lifetimeEarned(charity), 0);
    }

    // ================================================================ tiers

    function testFuzz_TierMatchesReference(uint256[16] memory steps, uint8 count, uint256 earned, uint256 transferred)
        public
    {
        uint256 n = bound(count, 0, 16);
        uint256[] memory thresholds = new uint256[](n);
        uint256 previous = 0;
        for (uint256 i = 0; i < n; ++i) {
            previous += bound(steps[i], 1, 1e18);
            thresholds[i] = previous;
        }
        _setThresholds(thresholds);
        assertEq(points.tierThresholds(), thresholds);

        // Often land exactly on, or one below, a threshold.
        uint256 mode = earned % 4;
        if (n > 0 && mode == 0) earned = thresholds[earned % n];
        else if (n > 0 && mode == 1) earned = thresholds[earned % n] - 1;
        else earned = bound(earned, 0, 2e19);

        if (earned > 0) _issue(alice, earned, keccak256("purchase"));
        assertEq(points.tierOf(alice), _referenceTier(thresholds, earned), "tierOf vs reference");

        // Transfers move balances, never tiers.
        transferred = bound(transferred, 0, earned);
        vm.prank(alice);
        points.transfer(bob, transferred);
        assertEq(points.tierOf(alice), _referenceTier(thresholds, earned));
        assertEq(points.tierOf(bob), _referenceTier(thresholds, 0));
        assertEq(points.tierOf(bob), 0);
    }

    function testFuzz_TierThresholdsMustBePositiveAscending(uint256[17] memory raw, uint8 count) public {
        uint256 n = bound(count, 1, 17);
        uint256[] memory thresholds = new uint256[](n);
        bool valid = n <= 16;
        uint256 previous = 0;
        for (uint256 i = 0; i < n; ++i) {
            thresholds[i] = bound(raw[i], 0, 64); // small range: collisions and descents are common
            if (thresholds[i] <= previous) valid = false;
            previous = thresholds[i];
        }
        if (!valid) vm.expectRevert(ILoyaltyPoints.InvalidTierThresholds.selector);
        _setThresholds(thresholds);
        if (valid) assertEq(points.tierThresholds(), thresholds);
    }

    // ================================================================ expiry

    function testFuzz_ExpiryBoundary(uint256 period, uint256 issued, uint256 idle) public {
        period = bound(period, 1, 3650 days);
        issued = bound(issued, 1, 1e24);
        idle = bound(idle, 0, 3650 days);
        vm.prank(operator);
        points.setInactivityPeriod(period);

        skip(idle);
        _issue(alice, issued, keccak256("purchase"));
        uint256 last = block.timestamp;
        uint256 deadline = last + period;
        assertEq(points.expiresAt(alice), deadline);

        // One second before: not expirable.
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, alice, deadline));
        vm.prank(bob);
        points.expire(alice);

        // Exactly at lastActivity + period: expirable by anyone, the whole balance.
        vm.warp(deadline);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsExpired(alice, issued, last, bob);
        vm.prank(bob);
        assertEq(points.expire(alice), issued);
        assertEq(points.balanceOf(alice), 0);
        assertEq(points.totalSupply(), 0);
        assertEq(points.lifetimeEarned(alice), issued, "expiry keeps lifetime earned");
        assertEq(points.expiresAt(alice), 0);

        // Nothing left: no second expiry.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, alice, 0));
        points.expire(alice);
    }

    function testFuzz_ActivityPostponesExpiry(uint256 issued, uint256 firstGap, uint256 sent) public {
        issued = bound(issued, 2, 1e24);
        firstGap = bound(firstGap, 0, PERIOD - 1);
        sent = bound(sent, 1, issued - 1);
        _issue(alice, issued, keccak256("purchase"));
        skip(firstGap);
        // Any outgoing transfer of points is activity.
        vm.prank(alice);
        points.transfer(bob, sent);
        uint256 deadline = block.timestamp + PERIOD;
        assertEq(points.expiresAt(alice), deadline);

        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, alice, deadline));
        points.expire(alice);
        vm.warp(deadline);
        assertEq(points.expire(alice), issued - sent);
    }

    function testFuzz_ZeroTransfersNeverPostponeExpiry(uint256 issued, address stranger) public {
        issued = bound(issued, 1, 1e24);
        vm.assume(stranger != address(0) && stranger != alice);
        _issue(alice, issued, keccak256("purchase"));
        uint256 deadline = points.expiresAt(alice);
        vm.warp(deadline - 1);
        // Neither a zero transfer to the member nor a zero transferFrom out of it (which needs no
        // allowance) counts as the member's activity.
        vm.startPrank(stranger);
        points.transferFrom(alice, stranger, 0);
        vm.stopPrank();
        vm.prank(bob);
        points.transfer(alice, 0);
        assertEq(points.expiresAt(alice), deadline);
        vm.warp(deadline);
        assertEq(points.expire(alice), issued);
    }

    function testFuzz_SelfTransfersNeverPostponeExpiry(uint256 issued, uint256 sent, uint256 times) public {
        issued = bound(issued, 1, 1e24);
        sent = bound(sent, 0, issued);
        times = bound(times, 1, 5);
        _issue(alice, issued, keccak256("purchase"));
        uint256 deadline = points.expiresAt(alice);
        // Sending one's own points to oneself, however often, moves nothing: it is no activity.
        for (uint256 i = 0; i < times; ++i) {
            skip((PERIOD - 1) / times);
            vm.prank(alice);
            points.transfer(alice, sent);
        }
        assertEq(points.balanceOf(alice), issued);
        assertEq(points.expiresAt(alice), deadline);
        vm.warp(deadline);
        assertEq(points.expire(alice), issued);
    }

    function testFuzz_CharityPointsNeverExpire(uint256 issued, uint256 donated, uint256 idle) public {
        issued = bound(issued, 1, 1e24);
        donated = bound(donated, 1, issued);
        idle = bound(idle, PERIOD, 100 * PERIOD);
        _issue(alice, issued, keccak256("purchase"));
        vm.prank(alice);
        points.donate(charity, donated);
        skip(idle);
        assertEq(points.expiresAt(charity), 0);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, charity, 0));
        points.expire(charity);
        assertEq(points.balanceOf(charity), donated);
    }

    function testFuzz_ExpiryDisabledWithZeroPeriod(uint256 issued, uint256 idle) public {
        issued = bound(issued, 1, 1e24);
        idle = bound(idle, 0, 100 * 365 days);
        vm.prank(operator);
        points.setInactivityPeriod(0);
        _issue(alice, issued, keccak256("purchase"));
        skip(idle);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotExpirable.selector, alice, 0));
        points.expire(alice);
    }

    // ================================================================ clawback

    function testFuzz_ClawbackBounds(uint256 issued, uint256 first, uint256 second, uint256 spent) public {
        issued = bound(issued, 1, type(uint96).max);
        first = bound(first, 1, issued);
        second = bound(second, 1, type(uint96).max);
        bytes32 ref = keccak256("purchase");
        _issue(alice, issued, ref);
        uint256 allowanceAfterIssue = points.issuanceAllowance(merchant);

        // Another merchant cannot claw back someone else's issuance: it finds none under its own ref.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.UnknownIssuance.selector, ref));
        vm.prank(otherMerchant);
        points.clawback(ref, first);

        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsClawedBack(merchant, alice, ref, first);
        vm.prank(merchant);
        points.clawback(ref, first);
        assertEq(points.balanceOf(alice), issued - first);
        assertEq(points.lifetimeEarned(alice), issued - first);
        assertEq(points.totalSupply(), issued - first);
        assertEq(points.issuanceAllowance(merchant), allowanceAfterIssue + first);
        assertEq(uint256(points.issuanceOf(merchant, ref).clawedBack), first);

        uint256 remaining = issued - first;
        // The member may have spent part of the points meanwhile.
        spent = bound(spent, 0, remaining);
        if (spent > 0) {
            vm.prank(alice);
            points.transfer(bob, spent);
        }
        uint256 held = remaining - spent;

        vm.prank(merchant);
        if (second > remaining) {
            vm.expectRevert(
                abi.encodeWithSelector(ILoyaltyPoints.ClawbackExceedsIssuance.selector, ref, remaining, second)
            );
            points.clawback(ref, second);
        } else if (second > held) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, held, second)
            );
            points.clawback(ref, second);
        } else {
            points.clawback(ref, second);
            assertEq(points.lifetimeEarned(alice), issued - first - second);
            assertEq(points.balanceOf(alice), held - second);
            assertEq(points.issuanceAllowance(merchant), allowanceAfterIssue + first + second);
        }
        assertEq(points.balanceOf(bob), spent, "a clawback never touches the recipients of transfers");
        assertEq(points.lifetimeEarned(bob), 0);
    }

    /// Offboarding cuts the merchant's key off; the operator refunds for it, within the same bounds.
    function testFuzz_OffboardedMerchantRefundsGoThroughTheOperator(uint256 issued, uint256 refunded, bytes32 ref) public {
        issued = bound(issued, 1, type(uint96).max);
        refunded = bound(refunded, 1, issued);
        _issue(alice, issued, ref);
        vm.prank(operator);
        points.offboardMerchant(merchant);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, merchant, points.MERCHANT_ROLE())
        );
        vm.prank(merchant);
        points.clawback(ref, refunded);

        vm.prank(operator);
        points.operatorClawback(merchant, ref, refunded);
        assertEq(points.balanceOf(alice), issued - refunded);
        assertEq(points.lifetimeEarned(alice), issued - refunded);
        assertEq(points.issuanceAllowance(merchant), 0);
        uint256 remaining = issued - refunded;
        vm.expectRevert(
            abi.encodeWithSelector(ILoyaltyPoints.ClawbackExceedsIssuance.selector, ref, remaining, remaining + 1)
        );
        vm.prank(operator);
        points.operatorClawback(merchant, ref, remaining + 1);
        // Never for a merchant still in the coalition: its refunds are its own.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.MerchantStillActive.selector, otherMerchant));
        vm.prank(operator);
        points.operatorClawback(otherMerchant, ref, 1);
    }

    function testFuzz_ClawbackZeroOrUnknownReverts(bytes32 ref, uint256 amount) public {
        vm.expectRevert(ILoyaltyPoints.ZeroAmount.selector);
        vm.prank(merchant);
        points.clawback(ref, 0);
        amount = bound(amount, 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.UnknownIssuance.selector, ref));
        vm.prank(merchant);
        points.clawback(ref, amount);
    }
}

/// @notice Fuzz properties of issuing agents and account migration: an agent's issuance is exactly
/// the merchant's; a migration conserves the supply and the total lifetime earned points, moves the
/// tier with the lifetime, and needs the holder's own key.
contract LoyaltyPointsMigrationFuzzTest is MigrationFixture {
    // ================================================================ agents

    function testFuzz_IssueForIsTheMerchantsIssue(address member, uint256 amount, uint256 refunded, bytes32 ref) public {
        vm.assume(member != address(0) && member != merchant);
        amount = bound(amount, 1, 1e24);
        refunded = bound(refunded, 1, amount);

        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsIssued(merchant, member, ref, amount);
        vm.prank(agent);
        points.issueFor(merchant, member, amount, ref);
        assertEq(points.balanceOf(member), amount);
        assertEq(points.issuanceAllowance(merchant), ALLOWANCE - amount);
        assertEq(points.issuanceOf(merchant, ref).merchant, merchant);

        // The ref is the merchant's: neither the agent nor the merchant can use it again.
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.RefAlreadyUsed.selector, ref));
        vm.prank(merchant);
        points.issue(member, amount, ref);

        // The merchant refunds what its agent issued, up to that and no more.
        vm.prank(merchant);
        points.clawback(ref, refunded);
        uint256 remaining = amount - refunded;
        vm.expectRevert(
            abi.encodeWithSelector(ILoyaltyPoints.ClawbackExceedsIssuance.selector, ref, remaining, remaining + 1)
        );
        vm.prank(agent);
        points.clawbackFor(merchant, ref, remaining + 1);
        assertEq(points.lifetimeEarned(member), remaining);
        assertEq(points.issuanceAllowance(merchant), ALLOWANCE - remaining);
    }

    function testFuzz_StrangerIsNeverAnAgent(address caller, address member, uint256 amount) public {
        vm.assume(caller != agent && caller != address(forwarder));
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.NotIssuingAgent.selector, merchant, caller));
        vm.prank(caller);
        points.issueFor(merchant, member, amount, keccak256("x"));
    }

    // ================================================================ account migration

    /// Migration conserves the total supply and the sum of lifetime earned points; the target, which
    /// must have no points and no lifetime of its own (no pooling), gets exactly the source's tier;
    /// the source ends empty and cannot move again.
    function testFuzz_MigrationConservesSupplyAndLifetime(
        uint256 fromSeed,
        uint256 toSeed,
        uint256 earnedFrom,
        uint256 earnedTo,
        uint256 spent
    ) public {
        uint256 fromKey = _key(fromSeed);
        address from = vm.addr(fromKey);
        address to = vm.addr(_key(toSeed));
        vm.assume(from != to && to != merchant && from != merchant);
        earnedFrom = bound(earnedFrom, 0, 1e24);
        earnedTo = bound(earnedTo, 0, 1e24);
        if (earnedFrom > 0) {
            vm.prank(merchant);
            points.issue(from, earnedFrom, keccak256("from"));
        }
        if (earnedTo > 0) {
            vm.prank(merchant);
            points.issue(to, earnedTo, keccak256("to"));
        }
        spent = bound(spent, 0, earnedFrom);
        if (spent > 0) {
            vm.prank(from);
            points.transfer(bystander, spent);
        }
        uint256 supply = points.totalSupply();
        uint256 lifetimeTotal = points.lifetimeEarned(from) + points.lifetimeEarned(to);

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _sign(fromKey, _accountMigrationDigest(from, to, points.nonces(from), deadline));
        if (earnedTo > 0) {
            // A target with a history would pool two accounts' lifetimes into one tier.
            vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.MigrationTargetNotEmpty.selector, to));
            vm.prank(migrator);
            points.migrateAccount(from, to, deadline, signature);
            assertEq(points.lifetimeEarned(from), earnedFrom);
            return;
        }
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.AccountMigrated(from, to, earnedFrom - spent, earnedFrom);
        vm.prank(migrator);
        points.migrateAccount(from, to, deadline, signature);

        assertEq(points.totalSupply(), supply);
        assertEq(points.lifetimeEarned(from) + points.lifetimeEarned(to), lifetimeTotal);
        assertEq(points.balanceOf(from), 0);
        assertEq(points.lifetimeEarned(from), 0);
        assertEq(points.balanceOf(to), earnedFrom - spent);
        assertEq(points.tierOf(to), _referenceTier(thresholds, earnedFrom));
        assertEq(points.tierOf(from), 0);
        assertEq(points.balanceOf(bystander), spent);
        assertEq(points.migratedFrom(to), from);

        // Once moved, never again (a fresh, valid consent notwithstanding).
        signature = _sign(fromKey, _accountMigrationDigest(from, bystander, points.nonces(from), deadline));
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.AccountMigratedAway.selector, from, to));
        vm.prank(migrator);
        points.migrateAccount(from, bystander, deadline, signature);
    }

    /// Nothing of value reaches an account that moved away, whatever the amount and the sender.
    function testFuzz_NothingReachesAMovedAccount(uint256 fromSeed, uint256 amount, uint8 path) public {
        uint256 fromKey = _key(fromSeed);
        address from = vm.addr(fromKey);
        vm.assume(from != merchant && from != bystander && from != agent);
        amount = bound(amount, 1, 1e24);
        vm.prank(merchant);
        points.issue(bystander, 2 * amount, keccak256("bystander"));
        uint256 deadline = block.timestamp + 1 hours;
        address wallet = makeAddr("wallet");
        bytes memory signature = _sign(fromKey, _accountMigrationDigest(from, wallet, 0, deadline));
        vm.prank(migrator);
        points.migrateAccount(from, wallet, deadline, signature);

        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.AccountMigratedAway.selector, from, wallet));
        uint256 which = path % 4;
        if (which == 0) {
            vm.prank(bystander);
            points.transfer(from, amount);
        } else if (which == 1) {
            vm.prank(merchant);
            points.issue(from, amount, keccak256(abi.encode("late", amount)));
        } else if (which == 2) {
            vm.prank(agent);
            points.issueFor(merchant, from, amount, keccak256(abi.encode("late-agent", amount)));
        } else {
            address[] memory members = new address[](2);
            members[0] = bystander;
            members[1] = from;
            uint256[] memory amounts = new uint256[](2);
            amounts[0] = amount;
            amounts[1] = amount;
            vm.prank(merchant);
            points.issueBatch(members, amounts, keccak256(abi.encode("late-campaign", amount)));
        }
        assertEq(points.balanceOf(from), 0);
    }

    function testFuzz_MigrationNeedsTheHoldersKey(uint256 holderSeed, uint256 forgerSeed, uint256 earned) public {
        uint256 holderKey = _key(holderSeed);
        uint256 forgerKey = _key(forgerSeed);
        vm.assume(holderKey != forgerKey);
        address holder = vm.addr(holderKey);
        vm.assume(holder != merchant && holder != bystander);
        earned = bound(earned, 1, 1e24);
        vm.prank(merchant);
        points.issue(holder, earned, keccak256("holder"));

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory forged = _sign(forgerKey, _accountMigrationDigest(holder, bystander, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ILoyaltyPoints.InvalidMigrationSignature.selector, holder));
        vm.prank(migrator);
        points.migrateAccount(holder, bystander, deadline, forged);
        assertEq(points.balanceOf(holder), earned);
    }
}
