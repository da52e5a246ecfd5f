// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {IRewardNFT} from "../../../contracts/rewards/IRewardNFT.sol";
import {LoyaltyHandler} from "./LoyaltyHandler.sol";
import {LoyaltyFixture} from "../utils/LoyaltyFixture.sol";

// Run alone, this file needs its handler named too (`npx hardhat test solidity
// test/solidity/invariants/LoyaltyInvariants.t.sol test/solidity/invariants/LoyaltyHandler.sol`):
// Hardhat emits artifacts only for the files it compiles as roots, and the invariant fuzzer refuses
// a target contract it has no artifact for ("[targetSelectors] address does not have an associated
// contract").

/// @notice Stateful invariants of the points ledger and the reward catalog, driven by
/// {LoyaltyHandler} over 4 members, 3 merchants (one with a tiny allowance, so that it runs out), a
/// charity, a 3-tier table (which the operator swaps mid-run for 2, 16 or no tiers) and 4 rewards
/// with small supply caps.
contract LoyaltyInvariantTest is StdInvariant, LoyaltyFixture {
    LoyaltyHandler internal handler;

    function setUp() public {
        _deployProgram();

        address[] memory members = new address[](4);
        uint256[] memory memberKeys = new uint256[](4);
        for (uint256 i = 0; i < 4; ++i) {
            memberKeys[i] = uint256(keccak256(abi.encode("member", i)));
            members[i] = vm.addr(memberKeys[i]);
        }
        address[] memory merchants = new address[](3);
        uint256[] memory merchantKeys = new uint256[](3);
        uint256[] memory allowances = new uint256[](3);
        allowances[0] = 20_000;
        allowances[1] = 8_000;
        allowances[2] = 600;
        for (uint256 i = 0; i < 3; ++i) {
            merchantKeys[i] = uint256(keccak256(abi.encode("merchant", i)));
            merchants[i] = vm.addr(merchantKeys[i]);
            _onboard(merchants[i], allowances[i]);
        }
        address charity = makeAddr("charity");
        vm.prank(operator);
        points.registerCharity(charity, "Food bank");

        uint256[] memory thresholds = new uint256[](3);
        thresholds[0] = 100;
        thresholds[1] = 400;
        thresholds[2] = 1_200;
        _setThresholds(thresholds);

        handler = new LoyaltyHandler(
            points, nft, members, memberKeys, merchants, merchantKeys, allowances, charity, thresholds
        );
        handler.setOperator(operator);

        // cost, cap, minTier, soulbound, mintOnly
        _addReward(merchants[0], 50, 3, 0, false, false); // a coffee
        _addReward(merchants[1], 120, 2, 1, false, false); // silver members only
        _addReward(merchants[0], 0, 3, 0, false, true); // VIP drop, mint only
        _addReward(merchants[1], 0, 2, 2, true, false); // free gold badge, soulbound

        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = LoyaltyHandler.issue.selector;
        selectors[1] = LoyaltyHandler.issueBatch.selector;
        selectors[2] = LoyaltyHandler.transfer.selector;
        selectors[3] = LoyaltyHandler.donate.selector;
        selectors[4] = LoyaltyHandler.redeem.selector;
        selectors[5] = LoyaltyHandler.warp.selector;
        selectors[6] = LoyaltyHandler.expire.selector;
        selectors[7] = LoyaltyHandler.clawback.selector;
        selectors[8] = LoyaltyHandler.mintExclusive.selector;
        selectors[9] = LoyaltyHandler.transferToken.selector;
        selectors[10] = LoyaltyHandler.consumeVoucher.selector;
        selectors[11] = LoyaltyHandler.cancelVoucherNonce.selector;
        selectors[12] = LoyaltyHandler.setTierThresholds.selector;
        selectors[13] = LoyaltyHandler.issuePurchases.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function _addReward(address merchant, uint256 cost, uint64 cap, uint8 minTier, bool soulbound, bool mintOnly)
        internal
    {
        uint256 rewardId = _createReward(merchant, _terms(cost, cap, minTier, soulbound, mintOnly));
        handler.registerReward(rewardId, merchant, cost, cap, minTier, soulbound, mintOnly);
    }

    // ================================================================ handler sanity

    /// A fixed sequence that takes every handler action through its success path and through its
    /// refusal paths, so that a handler unable to succeed cannot pass the invariants vacuously.
    function test_HandlerReachesEveryPath() public {
        handler.issue(0, 0, 300, 2); // member0 earns 300 from merchant0
        handler.issue(1, 1, 200, 3); // member1 earns 200 from merchant1
        handler.issue(0, 0, 5, 0); // replayed ref
        handler.issue(4, 0, 5, 2); // merchant0 to itself
        handler.issue(2, 2, 1_000, 1); // beyond merchant2's allowance
        handler.issueBatch(0, 7, 3, 9);
        for (uint256 seed = 0; seed < 12; ++seed) {
            handler.issuePurchases(seed, seed * 3, 6, seed + 100);
        }
        assertGt(handler.successes("issuePurchases"), 0, "batched purchases issued");
        assertGt(handler.purchaseSkips(uint8(ILoyaltyPoints.SkipReason.ZeroAmount)), 0, "zero amount skipped");
        assertGt(handler.purchaseSkips(uint8(ILoyaltyPoints.SkipReason.RefAlreadyUsed)), 0, "used ref skipped");
        assertGt(handler.purchaseSkips(uint8(ILoyaltyPoints.SkipReason.AllowanceExhausted)), 0, "allowance exhausted skipped");
        assertGt(handler.purchaseSkips(uint8(ILoyaltyPoints.SkipReason.InvalidMember)), 0, "merchant as member skipped");
        handler.transfer(0, 1, 50);
        handler.transfer(0, 1, 8); // overdraw
        handler.donate(0, 10);
        handler.redeem(0, 0); // member0 buys a coffee
        handler.redeem(0, 2); // mint-only reward
        handler.mintExclusive(2, 1, 1); // VIP drop to member1
        handler.mintExclusive(2, 1, 0); // by the wrong merchant
        handler.consumeVoucher(1, 100, 3, 0); // member1 signs: consumed
        handler.consumeVoucher(0, 100, 3, 3); // replay
        handler.consumeVoucher(0, 1, 2, 2); // forged by another actor
        handler.consumeVoucher(0, 2, 2, 2); // forged, the forger naming itself
        handler.consumeVoucher(0, 100, 4, 4); // expired deadline
        handler.transferToken(0, 2); // member0's coffee to member2, stale signature refused
        handler.cancelVoucherNonce(2, 5);
        handler.cancelVoucherNonce(2, 5); // twice
        handler.clawback(0, 10, 2);
        handler.clawback(0, 10, 0); // by the wrong merchant
        handler.clawback(0, 10, 1); // beyond the issuance
        handler.expire(0, 3, 0); // one second early
        handler.expire(0, 3, 1); // exactly at the deadline
        handler.warp(5 days);
        handler.setTierThresholds(2); // 16 tiers
        invariant_TierMatchesThresholds();
        handler.redeem(1, 1); // the silver reward under the new table
        handler.setTierThresholds(3); // no tiers
        invariant_TierMatchesThresholds();
        handler.setTierThresholds(0); // back to the launch table

        bytes32[11] memory actions = [
            bytes32("setTierThresholds"),
            "issue",
            "issueBatch",
            "transfer",
            "donate",
            "redeem",
            "mintExclusive",
            "consumeVoucher",
            "transferToken",
            "clawback",
            "expire"
        ];
        for (uint256 i = 0; i < actions.length; ++i) {
            assertGt(handler.successes(actions[i]), 0, string(abi.encodePacked(actions[i])));
        }
        assertEq(handler.violations(), 0, handler.lastViolation());
        assertGt(handler.ghostExpired(), 0);
        assertGt(handler.ghostClawedBack(), 0);
        assertGt(handler.ghostRedeemed(), 0);

        invariant_SupplyEqualsSumOfBalancesAndGhostLedger();
        invariant_LifetimeEarnedIsIssuedMinusClawedBack();
        invariant_TierMatchesThresholds();
        invariant_ActivityAndExpiryMatchGhost();
        invariant_RewardMintedWithinCap();
        invariant_VouchersConsumedOnlyOnceByHolder();
        invariant_MerchantIssuanceWithinAllowance();
        invariant_EachPurchaseRefIssuedOnce();
    }

    // ================================================================ supply

    /// Σ balances of all actors == totalSupply == Σ issued − Σ redeemed − Σ expired − Σ clawed back.
    function invariant_SupplyEqualsSumOfBalancesAndGhostLedger() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(points.balanceOf(a), handler.ghostBalance(a), "balance vs ghost balance");
            sum += points.balanceOf(a);
        }
        assertEq(sum, points.totalSupply(), "sum of balances vs totalSupply");
        assertEq(
            points.totalSupply(),
            handler.ghostIssued() - handler.ghostRedeemed() - handler.ghostExpired() - handler.ghostClawedBack(),
            "totalSupply vs issued - redeemed - expired - clawed back"
        );
    }

    // ================================================================ lifetime earned and tiers

    /// Lifetime earned == Σ issued to the account − Σ clawed back from it; it never decreased except
    /// through a clawback, and transfers/donations never changed it (checked by the handler per call).
    function invariant_LifetimeEarnedIsIssuedMinusClawedBack() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(
                points.lifetimeEarned(a),
                handler.ghostIssuedTo(a) - handler.ghostClawedFrom(a),
                "lifetime earned vs issued - clawed back"
            );
            assertEq(points.lifetimeEarned(a), handler.lifetimeSeen(a), "lifetime earned changed outside an action");
        }
        assertEq(handler.violations(), 0, handler.lastViolation());
    }

    /// tierOf == the thresholds applied to lifetime earned (reference implementation).
    function invariant_TierMatchesThresholds() public view {
        assertEq(points.tierThresholds(), handler.thresholdList(), "thresholds");
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            uint256 earned = handler.ghostIssuedTo(a) - handler.ghostClawedFrom(a);
            assertEq(points.tierOf(a), handler.referenceTier(earned), "tierOf vs reference tier");
        }
    }

    /// Last activity is the last balance change, and expiry is due exactly PERIOD later.
    function invariant_ActivityAndExpiryMatchGhost() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            assertEq(points.lastActivity(a), handler.ghostLastActivity(a), "last activity vs ghost");
            uint256 expected =
                handler.ghostBalance(a) == 0 || a == handler.charity() ? 0 : handler.ghostLastActivity(a) + PERIOD;
            assertEq(points.expiresAt(a), expected, "expiresAt");
        }
    }

    // ================================================================ rewards

    /// Minted per reward ≤ its supply cap, and equals the handler's count; every token is where the
    /// handler put it.
    function invariant_RewardMintedWithinCap() public view {
        uint256 total;
        for (uint256 i = 0; i < handler.rewardCount(); ++i) {
            uint256 rewardId = handler.rewardIds(i);
            IRewardNFT.Reward memory r = nft.getReward(rewardId);
            assertLe(r.minted, r.terms.supplyCap, "minted above cap");
            assertEq(r.minted, handler.ghostMinted(rewardId), "minted vs handler count");
            assertEq(r.terms.supplyCap, handler.capOf(rewardId), "cap");
            total += r.minted;
        }
        assertEq(total, handler.tokenCount(), "tokens");
        uint256 held;
        for (uint256 i = 0; i < handler.memberCount(); ++i) {
            held += nft.balanceOf(handler.members(i));
        }
        assertEq(held, total, "tokens held by members");
    }

    /// Every consumed token was consumed exactly once, with its holder's key; no forged, stale or
    /// replayed signature was ever accepted (the handler records any such acceptance).
    function invariant_VouchersConsumedOnlyOnceByHolder() public view {
        for (uint256 i = 0; i < handler.tokenCount(); ++i) {
            uint256 tokenId = handler.tokens(i);
            uint256 count = handler.ghostConsumeCount(tokenId);
            assertLe(count, 1, "consumed more than once");
            assertEq(nft.isConsumed(tokenId), count == 1, "isConsumed vs ghost");
            if (count == 1) {
                assertEq(handler.ghostConsumeSigner(tokenId), handler.ghostConsumeHolder(tokenId), "signer != holder");
            }
            assertEq(nft.ownerOf(tokenId), handler.ghostHolder(tokenId), "holder");
        }
        assertEq(handler.violations(), 0, handler.lastViolation());
    }

    // ================================================================ merchants

    /// allowance == initial + clawed back − issued, and net issuance never exceeded the allowance.
    function invariant_MerchantIssuanceWithinAllowance() public view {
        uint256 issued;
        for (uint256 i = 0; i < handler.merchantCount(); ++i) {
            address m = handler.merchants(i);
            uint256 initial = handler.initialAllowance(m);
            assertLe(handler.merchantIssued(m), initial + handler.merchantClawedBack(m), "issued beyond allowance");
            assertEq(
                points.issuanceAllowance(m),
                initial + handler.merchantClawedBack(m) - handler.merchantIssued(m),
                "allowance accounting"
            );
            issued += handler.merchantIssued(m);
        }
        assertEq(issued, handler.ghostIssued(), "issued by merchants vs total");
    }

    /// Every single-member ref (issue, issueFor, or a purchase of a batch) records the one issuance
    /// that claimed it, whatever retries and batches came after: its member, its amount, and no more
    /// clawed back than it issued.
    function invariant_EachPurchaseRefIssuedOnce() public view {
        for (uint256 i = 0; i < handler.singleCount(); ++i) {
            (bytes32 ref, address merchant, address member, uint256 amount, uint256 clawedBack) = handler.singles(i);
            ILoyaltyPoints.Issuance memory record = points.issuanceOf(merchant, ref);
            assertEq(record.merchant, merchant, "ref owner");
            assertEq(record.member, member, "ref member");
            assertEq(uint256(record.amount), amount, "ref issued once, with its first amount");
            assertEq(uint256(record.clawedBack), clawedBack, "ref clawed back");
        }
    }

    /// Every action behaved as the rules predict (success or the exact custom error).
    function invariant_HandlerSawNoRuleViolation() public view {
        assertEq(handler.violations(), 0, handler.lastViolation());
    }
}
