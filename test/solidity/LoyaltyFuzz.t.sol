// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ILoyaltyPoints} from "../../contracts/points/ILoyaltyPoints.sol";
import {IRewardNFT} from "../../contracts/rewards/IRewardNFT.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {LoyaltyFixture} from "./utils/LoyaltyFixture.sol";

/// @notice Stateless fuzz tests of the points ledger and the voucher signatures.
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

/// @notice Stateless fuzz tests of voucher signatures: random keys, deadlines and nonces.
contract VoucherFuzzTest is LoyaltyFixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    address internal merchant = makeAddr("merchant");
    address internal otherMerchant = makeAddr("otherMerchant");
    uint256 internal rewardId;
    uint256 internal otherRewardId;

    function setUp() public {
        _deployProgram();
        _onboard(merchant, 1e30);
        _onboard(otherMerchant, 1e30);
        rewardId = _createReward(merchant, _terms(0, 1000, 0, false, true));
        otherRewardId = _createReward(otherMerchant, _terms(0, 1000, 0, false, true));
    }

    function _mintTo(address holder) internal returns (uint256 tokenId) {
        vm.prank(merchant);
        tokenId = nft.mintExclusive(rewardId, holder);
    }

    function testDomainSeparatorIsStandard() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("RewardNFT"),
                keccak256("1"),
                block.chainid,
                address(nft)
            )
        );
        assertEq(nft.DOMAIN_SEPARATOR(), expected);
        assertEq(nft.VOUCHER_USE_TYPEHASH(), VOUCHER_USE_TYPEHASH);
    }

    function testFuzz_VoucherHolderSignatureConsumesOnce(
        uint256 holderPk,
        uint256 nonce,
        uint256 deadline,
        uint256 elapsed
    ) public {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        address holder = vm.addr(holderPk);
        vm.assume(holder.code.length == 0 && holder != address(0));
        deadline = bound(deadline, block.timestamp, type(uint64).max);
        elapsed = bound(elapsed, 0, deadline - block.timestamp);
        uint256 tokenId = _mintTo(holder);

        bytes memory sig = _sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));
        skip(elapsed); // at most up to the deadline itself, which is still valid

        vm.expectEmit(address(nft));
        emit IRewardNFT.VoucherConsumed(tokenId, rewardId, merchant, holder, nonce);
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, sig);
        assertTrue(nft.isConsumed(tokenId));
        assertTrue(nft.isVoucherNonceUsed(holder, nonce));
        assertEq(nft.ownerOf(tokenId), holder, "consuming keeps the token with its holder");

        // Replay of the very same signature.
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.VoucherAlreadyConsumed.selector, tokenId));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, sig);

        // The nonce is spent for the holder's other tokens too.
        uint256 second = _mintTo(holder);
        bytes memory sig2 = _sign(holderPk, _voucherDigest(second, holder, merchant, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.VoucherNonceUsed.selector, holder, nonce));
        vm.prank(merchant);
        nft.consumeVoucher(second, nonce, deadline, sig2);
    }

    function testFuzz_VoucherNonHolderSignatureReverts(
        uint256 holderPk,
        uint256 attackerPk,
        uint256 nonce,
        uint256 deadline
    ) public {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        attackerPk = bound(attackerPk, 1, SECP256K1_N - 1);
        vm.assume(holderPk != attackerPk);
        address holder = vm.addr(holderPk);
        address attacker = vm.addr(attackerPk);
        vm.assume(holder.code.length == 0);
        deadline = bound(deadline, block.timestamp, type(uint256).max);
        uint256 tokenId = _mintTo(holder);

        // The attacker signs for the real holder…
        bytes memory forged = _sign(attackerPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, forged);

        // …or as if it were the holder.
        forged = _sign(attackerPk, _voucherDigest(tokenId, attacker, merchant, nonce, deadline));
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, forged);

        assertFalse(nft.isConsumed(tokenId));
        assertFalse(nft.isVoucherNonceUsed(holder, nonce));
    }

    function testFuzz_VoucherSignatureBindsTerms(uint256 holderPk, uint256 nonce, uint256 deadline, uint8 tamper)
        public
    {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        address holder = vm.addr(holderPk);
        vm.assume(holder.code.length == 0);
        deadline = bound(deadline, block.timestamp + 1, type(uint256).max - 1);
        nonce = bound(nonce, 0, type(uint256).max - 1);
        uint256 tokenId = _mintTo(holder);
        uint256 otherToken = _mintTo(holder);
        bytes memory sig = _sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));

        uint256 t = tamper % 4;
        vm.prank(merchant);
        if (t == 0) {
            vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, otherToken, holder));
            nft.consumeVoucher(otherToken, nonce, deadline, sig);
        } else if (t == 1) {
            vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder));
            nft.consumeVoucher(tokenId, nonce + 1, deadline, sig);
        } else if (t == 2) {
            vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder));
            nft.consumeVoucher(tokenId, nonce, deadline + 1, sig);
        } else {
            // Signed for `merchant`: useless to another merchant, which is not the reward's anyway.
            vm.stopPrank();
            vm.expectRevert(abi.encodeWithSelector(IRewardNFT.NotRewardMerchant.selector, rewardId, otherMerchant));
            vm.prank(otherMerchant);
            nft.consumeVoucher(tokenId, nonce, deadline, sig);
        }
        assertFalse(nft.isConsumed(tokenId));
        assertFalse(nft.isConsumed(otherToken));
    }

    function testFuzz_VoucherExpiredDeadlineReverts(uint256 holderPk, uint256 nonce, uint256 deadline, uint256 late)
        public
    {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        address holder = vm.addr(holderPk);
        vm.assume(holder.code.length == 0);
        deadline = bound(deadline, block.timestamp, block.timestamp + 3650 days);
        late = bound(late, 1, 3650 days);
        uint256 tokenId = _mintTo(holder);
        bytes memory sig = _sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));

        vm.warp(deadline + late);
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.VoucherSignatureExpired.selector, deadline));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, sig);
    }

    function testFuzz_VoucherCancelledNonceReverts(uint256 holderPk, uint256 nonce) public {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        address holder = vm.addr(holderPk);
        vm.assume(holder.code.length == 0);
        uint256 tokenId = _mintTo(holder);
        uint256 deadline = block.timestamp + 1 days;
        bytes memory sig = _sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));

        vm.prank(holder);
        nft.cancelVoucherNonce(nonce);
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.VoucherNonceUsed.selector, holder, nonce));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, sig);
    }

    function testFuzz_VoucherPreviousHolderSignatureReverts(uint256 holderPk, uint256 newHolderPk, uint256 nonce)
        public
    {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        newHolderPk = bound(newHolderPk, 1, SECP256K1_N - 1);
        vm.assume(holderPk != newHolderPk);
        address holder = vm.addr(holderPk);
        address newHolder = vm.addr(newHolderPk);
        vm.assume(holder.code.length == 0 && newHolder.code.length == 0);
        uint256 tokenId = _mintTo(holder);
        uint256 deadline = block.timestamp + 1 days;
        bytes memory oldSig = _sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));

        vm.prank(holder);
        nft.transferFrom(holder, newHolder, tokenId);

        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, newHolder));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, oldSig);

        bytes memory newSig = _sign(newHolderPk, _voucherDigest(tokenId, newHolder, merchant, nonce, deadline));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, newSig);
        assertTrue(nft.isConsumed(tokenId));
    }

    function testFuzz_VoucherMalleableSignatureReverts(uint256 holderPk, uint256 nonce) public {
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        address holder = vm.addr(holderPk);
        vm.assume(holder.code.length == 0);
        uint256 tokenId = _mintTo(holder);
        uint256 deadline = block.timestamp + 1 days;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderPk, _voucherDigest(tokenId, holder, merchant, nonce, deadline));
        // The high-s twin recovers the same address, but OpenZeppelin's ECDSA rejects it.
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        vm.expectRevert(abi.encodeWithSelector(IRewardNFT.InvalidVoucherSignature.selector, tokenId, holder));
        vm.prank(merchant);
        nft.consumeVoucher(tokenId, nonce, deadline, abi.encodePacked(r, highS, flippedV));
        assertFalse(nft.isConsumed(tokenId));
    }
}

/// @notice Stateless fuzz tests of gasless (ERC-2771) use: the forwarded signer, never the relayer
/// nor an appended address, is the one who acts.
contract ForwarderFuzzTest is LoyaltyFixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 internal constant FORWARD_REQUEST_TYPEHASH = keccak256(
        "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
    );

    address internal merchant = makeAddr("merchant");
    address internal charity = makeAddr("charity");
    address internal relayer = makeAddr("relayer");

    function setUp() public {
        _deployProgram();
        _onboard(merchant, 1e30);
        vm.prank(operator);
        points.registerCharity(charity, "charity");
    }

    function _request(uint256 signerPk, address from, address to, bytes memory data, uint48 deadline)
        internal
        view
        returns (ERC2771Forwarder.ForwardRequestData memory request)
    {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("LoyaltyForwarder"),
                keccak256("1"),
                block.chainid,
                address(forwarder)
            )
        );
        uint256 gas = 300_000;
        bytes32 structHash = keccak256(
            abi.encode(FORWARD_REQUEST_TYPEHASH, from, to, 0, gas, forwarder.nonces(from), deadline, keccak256(data))
        );
        bytes memory signature = _sign(signerPk, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        request = ERC2771Forwarder.ForwardRequestData({
            from: from,
            to: to,
            value: 0,
            gas: gas,
            deadline: deadline,
            data: data,
            signature: signature
        });
    }

    function _member(uint256 pk) internal view returns (uint256, address) {
        pk = bound(pk, 1, SECP256K1_N - 1);
        address member = vm.addr(pk);
        vm.assume(member.code.length == 0 && member != merchant && member != charity && member != relayer);
        return (pk, member);
    }

    function testFuzz_ForwardedDonationActsAsSigner(uint256 pk, uint256 issued, uint256 amount) public {
        address member;
        (pk, member) = _member(pk);
        issued = bound(issued, 1, 1e24);
        amount = bound(amount, 1, issued);
        vm.prank(merchant);
        points.issue(member, issued, keccak256("purchase"));

        ERC2771Forwarder.ForwardRequestData memory request = _request(
            pk, member, address(points), abi.encodeCall(points.donate, (charity, amount)), uint48(block.timestamp + 1 hours)
        );
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsDonated(member, charity, amount);
        vm.prank(relayer);
        forwarder.execute(request);
        assertEq(points.balanceOf(member), issued - amount);
        assertEq(points.balanceOf(charity), amount);
        assertEq(forwarder.nonces(member), 1);

        // The same signed request cannot be relayed twice (its nonce is spent).
        vm.prank(relayer);
        vm.expectRevert();
        forwarder.execute(request);
        assertEq(points.balanceOf(charity), amount);
    }

    function testFuzz_ForwardedRequestSignedByAnotherKeyReverts(uint256 pk, uint256 forgerPk, uint256 amount) public {
        address member;
        (pk, member) = _member(pk);
        forgerPk = bound(forgerPk, 1, SECP256K1_N - 1);
        vm.assume(forgerPk != pk);
        amount = bound(amount, 1, 1e24);
        vm.prank(merchant);
        points.issue(member, amount, keccak256("purchase"));

        ERC2771Forwarder.ForwardRequestData memory request = _request(
            forgerPk,
            member,
            address(points),
            abi.encodeCall(points.transfer, (relayer, amount)),
            uint48(block.timestamp + 1 hours)
        );
        vm.expectRevert(
            abi.encodeWithSelector(ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector, vm.addr(forgerPk), member)
        );
        vm.prank(relayer);
        forwarder.execute(request);
        assertEq(points.balanceOf(member), amount);
    }

    function testFuzz_AppendedSenderIgnoredOutsideForwarder(address attacker, uint256 amount) public {
        address member = makeAddr("member");
        vm.assume(attacker != address(forwarder) && attacker != member && attacker != address(0));
        amount = bound(amount, 1, 1e24);
        vm.prank(merchant);
        points.issue(member, amount, keccak256("purchase"));

        // ERC-2771 spoofing: the victim's address appended to calldata sent directly, not by the forwarder.
        vm.prank(attacker);
        (bool ok, bytes memory err) =
            address(points).call(abi.encodePacked(abi.encodeCall(points.donate, (charity, amount)), member));
        assertFalse(ok);
        assertEq(
            err,
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientBalance.selector, attacker, points.balanceOf(attacker), amount
            )
        );
        assertEq(points.balanceOf(member), amount);
    }

    function testFuzz_ForwardedVoucherConsumptionByMerchant(uint256 merchantPk, uint256 holderPk, uint256 nonce)
        public
    {
        merchantPk = bound(merchantPk, 1, SECP256K1_N - 1);
        holderPk = bound(holderPk, 1, SECP256K1_N - 1);
        vm.assume(merchantPk != holderPk);
        address shop = vm.addr(merchantPk);
        address holder = vm.addr(holderPk);
        vm.assume(shop.code.length == 0 && holder.code.length == 0 && shop != merchant && holder != merchant);
        _onboard(shop, 0);
        uint256 rewardId = _createReward(shop, _terms(0, 10, 0, false, true));
        vm.prank(shop);
        uint256 tokenId = nft.mintExclusive(rewardId, holder);

        uint256 deadline = block.timestamp + 1 days;
        bytes memory voucherSig = _sign(holderPk, _voucherDigest(tokenId, holder, shop, nonce, deadline));
        ERC2771Forwarder.ForwardRequestData memory request = _request(
            merchantPk,
            shop,
            address(nft),
            abi.encodeCall(nft.consumeVoucher, (tokenId, nonce, deadline, voucherSig)),
            uint48(deadline)
        );
        vm.prank(relayer);
        forwarder.execute(request);
        assertTrue(nft.isConsumed(tokenId));
    }
}
