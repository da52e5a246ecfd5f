// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {MigrationFixture} from "../utils/MigrationFixture.sol";

/// @notice Stateless fuzz tests of batched purchases (issuePurchasesFor): totals and allowance add up,
/// a ref issues once across batches and retries, and each skipped entry reports its reason.
contract LoyaltyPointsPurchasesFuzzTest is MigrationFixture {
    uint256 internal constant MEMBERS = 5;

    function _member(uint256 seed) internal pure returns (address) {
        return address(uint160(0xB0B000 + seed % MEMBERS));
    }

    function _batch(uint256 seed, uint256 count) internal pure returns (ILoyaltyPoints.Purchase[] memory batch) {
        batch = new ILoyaltyPoints.Purchase[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            batch[i] = ILoyaltyPoints.Purchase({member: _member(s), amount: 1 + s % 1_000, ref: keccak256(abi.encode("order", s % 40))});
        }
    }

    function _issue(ILoyaltyPoints.Purchase[] memory batch) internal returns (uint256) {
        vm.prank(agent);
        return points.issuePurchasesFor(merchant, batch);
    }

    /// Two batches with overlapping refs (and refs repeated within each), then a retry of both:
    /// every distinct ref issued exactly once, with its first occurrence's member and amount; the
    /// balances, the supply and the allowance move by exactly what issued; the retry issues nothing.
    function testFuzz_RefIssuedOnceAcrossBatchesAndRetries(uint256 seedA, uint256 seedB, uint256 countA, uint256 countB)
        public
    {
        ILoyaltyPoints.Purchase[] memory a = _batch(seedA, bound(countA, 1, 30));
        ILoyaltyPoints.Purchase[] memory b = _batch(seedB, bound(countB, 1, 30));
        // Two statements: Solidity does not define which operand of `+` runs first.
        uint256 issued = _issue(a);
        issued += _issue(b);

        // Reference: first occurrence of each ref over a then b.
        bytes32[] memory seen = new bytes32[](a.length + b.length);
        uint256[] memory expectedBalance = new uint256[](MEMBERS);
        uint256 distinct;
        uint256 total;
        for (uint256 k = 0; k < a.length + b.length; ++k) {
            ILoyaltyPoints.Purchase memory p = k < a.length ? a[k] : b[k - a.length];
            bool dup;
            for (uint256 j = 0; j < distinct; ++j) {
                if (seen[j] == p.ref) dup = true;
            }
            if (dup) continue;
            seen[distinct++] = p.ref;
            total += p.amount;
            expectedBalance[uint160(p.member) - 0xB0B000] += p.amount;
            ILoyaltyPoints.Issuance memory record = points.issuanceOf(merchant, p.ref);
            assertEq(record.member, p.member, "first occurrence's member");
            assertEq(uint256(record.amount), p.amount, "first occurrence's amount");
        }
        assertEq(issued, distinct, "one issuance per distinct ref");
        assertEq(points.totalSupply(), total, "supply");
        assertEq(points.issuanceAllowance(merchant), ALLOWANCE - total, "allowance");
        for (uint256 m = 0; m < MEMBERS; ++m) {
            assertEq(points.balanceOf(_member(m)), expectedBalance[m], "balance");
            assertEq(points.lifetimeEarned(_member(m)), expectedBalance[m], "lifetime");
        }

        // A retry of both batches (the relayer lost the receipts) changes nothing.
        assertEq(_issue(b), 0, "retry issues nothing");
        assertEq(_issue(a), 0, "retry issues nothing");
        assertEq(points.totalSupply(), total, "supply after retry");
        assertEq(points.issuanceAllowance(merchant), ALLOWANCE - total, "allowance after retry");
    }

    /// The allowance is spent in order: entries beyond what is left are skipped (AllowanceExhausted),
    /// a later one that still fits issues, and the allowance never goes below zero.
    function testFuzz_AllowanceExhaustedMidBatch(uint256 allowance, uint256 seed, uint256 count) public {
        allowance = bound(allowance, 0, 5_000);
        vm.prank(operator);
        points.setIssuanceAllowance(merchant, allowance);
        ILoyaltyPoints.Purchase[] memory batch = _batch(seed, bound(count, 1, 30));
        for (uint256 i = 0; i < batch.length; ++i) {
            batch[i].ref = keccak256(abi.encode("unique", i)); // only the allowance can skip
        }
        uint256 left = allowance;
        for (uint256 i = 0; i < batch.length; ++i) {
            vm.expectEmit(address(points));
            if (batch[i].amount <= left) {
                left -= batch[i].amount;
                emit ILoyaltyPoints.PointsIssued(merchant, batch[i].member, batch[i].ref, batch[i].amount);
            } else {
                emit ILoyaltyPoints.PurchaseSkipped(merchant, batch[i].ref, ILoyaltyPoints.SkipReason.AllowanceExhausted);
            }
        }
        _issue(batch);
        assertEq(points.issuanceAllowance(merchant), left, "allowance left");
        assertEq(points.totalSupply(), allowance - left, "issued == allowance spent");
    }

    /// Zero amounts, the merchant itself, the zero address and out-of-range amounts are skipped with
    /// their reason; a valid entry beside them issues.
    function testFuzz_InvalidEntriesSkippedWithReason(address member, uint256 huge, bytes32 ref) public {
        vm.assume(member != address(0) && member != merchant);
        huge = bound(huge, uint256(type(uint96).max) + 1, type(uint256).max);
        ILoyaltyPoints.Purchase[] memory batch = new ILoyaltyPoints.Purchase[](5);
        batch[0] = ILoyaltyPoints.Purchase({member: member, amount: 0, ref: keccak256("zero")});
        batch[1] = ILoyaltyPoints.Purchase({member: merchant, amount: 1, ref: keccak256("self")});
        batch[2] = ILoyaltyPoints.Purchase({member: address(0), amount: 1, ref: keccak256("nobody")});
        batch[3] = ILoyaltyPoints.Purchase({member: member, amount: huge, ref: keccak256("huge")});
        batch[4] = ILoyaltyPoints.Purchase({member: member, amount: 7, ref: ref});
        vm.assume(ref != keccak256("zero") && ref != keccak256("self") && ref != keccak256("nobody") && ref != keccak256("huge"));
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PurchaseSkipped(merchant, keccak256("zero"), ILoyaltyPoints.SkipReason.ZeroAmount);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PurchaseSkipped(merchant, keccak256("self"), ILoyaltyPoints.SkipReason.InvalidMember);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PurchaseSkipped(merchant, keccak256("nobody"), ILoyaltyPoints.SkipReason.InvalidMember);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PurchaseSkipped(merchant, keccak256("huge"), ILoyaltyPoints.SkipReason.AmountOutOfRange);
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PointsIssued(merchant, member, ref, 7);
        assertEq(_issue(batch), 1);
        assertEq(points.balanceOf(member), 7);
    }

    /// A member that moved away is skipped (MemberMigratedAway) and receives nothing; the wallet it
    /// moved to is credited by the same batch.
    function testFuzz_MigratedMemberSkipped(uint256 fromSeed, uint256 toSeed, uint256 amount) public {
        uint256 fromKey = _key(fromSeed);
        uint256 toKey = _key(toSeed);
        address from = vm.addr(fromKey);
        address to = vm.addr(toKey);
        vm.assume(from != to && from != merchant && to != merchant);
        amount = bound(amount, 1, 1e24);
        vm.prank(merchant);
        points.issue(from, amount, keccak256("seed"));
        uint256 deadline = block.timestamp + 1 days;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(fromKey, _accountMigrationDigest(from, to, points.nonces(from), deadline));
        vm.prank(migrator);
        points.migrateAccount(from, to, deadline, abi.encodePacked(r, s, v));

        ILoyaltyPoints.Purchase[] memory batch = new ILoyaltyPoints.Purchase[](2);
        batch[0] = ILoyaltyPoints.Purchase({member: from, amount: amount, ref: keccak256("old")});
        batch[1] = ILoyaltyPoints.Purchase({member: to, amount: amount, ref: keccak256("new")});
        vm.expectEmit(address(points));
        emit ILoyaltyPoints.PurchaseSkipped(merchant, keccak256("old"), ILoyaltyPoints.SkipReason.MemberMigratedAway);
        assertEq(_issue(batch), 1);
        assertEq(points.balanceOf(from), 0);
        assertEq(points.balanceOf(to), 2 * amount);
        assertEq(points.issuanceOf(merchant, keccak256("old")).merchant, address(0), "a skipped ref stays free");
    }
}
