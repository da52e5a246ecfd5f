// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILoyaltyPoints} from "../../contracts/points/ILoyaltyPoints.sol";
import {IRewardNFT} from "../../contracts/rewards/IRewardNFT.sol";
import {LoyaltyFixture} from "./utils/LoyaltyFixture.sol";

/// @notice Fuzz properties of issuing agents and account/token migration: an agent's issuance is
/// exactly the merchant's; a migration conserves the supply and the total lifetime earned points,
/// moves the tier with the lifetime, and needs the holder's own key.
contract MigrationFuzzTest is LoyaltyFixture {
    bytes32 internal constant ACCOUNT_MIGRATION_TYPEHASH =
        keccak256("AccountMigration(address from,address to,uint256 nonce,uint256 deadline)");
    bytes32 internal constant TOKEN_MIGRATION_TYPEHASH =
        keccak256("TokenMigration(address from,address to,bytes32 tokenIds,uint256 nonce,uint256 deadline)");
    uint256 internal constant ALLOWANCE = type(uint96).max;

    address internal merchant = makeAddr("merchant");
    address internal agent = makeAddr("agent");
    address internal migrator = makeAddr("migrator");
    address internal bystander = makeAddr("bystander");
    uint256[] internal thresholds;

    function setUp() public {
        _deployProgram();
        _onboard(merchant, ALLOWANCE);
        thresholds.push(1_000);
        thresholds.push(5_000);
        thresholds.push(20_000);
        _setThresholds(thresholds);
        vm.startPrank(operator);
        points.grantRole(points.MIGRATOR_ROLE(), migrator);
        vm.stopPrank();
        vm.prank(merchant);
        points.setIssuingAgent(agent, true);
    }

    function _key(uint256 seed) internal pure returns (uint256) {
        // A valid secp256k1 private key (non-zero, below the curve order).
        return bound(seed, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
    }

    function _accountMigrationDigest(address from, address to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(ACCOUNT_MIGRATION_TYPEHASH, from, to, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", points.DOMAIN_SEPARATOR(), structHash));
    }

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

    // ================================================================ token migration

    /// Exactly the listed tokens move, soulbound or not; the others stay with their holder.
    function testFuzz_TokenMigrationMovesExactlyTheListed(uint256 fromSeed, uint8 mintedRaw, uint256 listMask)
        public
    {
        uint256 fromKey = _key(fromSeed);
        address from = vm.addr(fromKey);
        vm.assume(from != merchant && from != bystander && from.code.length == 0);
        uint256 minted = bound(mintedRaw, 1, 8);
        uint256 badge = _createReward(merchant, _terms(0, 8, 0, true, true));
        for (uint256 i = 0; i < minted; ++i) {
            vm.prank(merchant);
            nft.mintExclusive(badge, from);
        }
        uint256 listed = 0;
        for (uint256 i = 0; i < minted; ++i) {
            if (listMask & (1 << i) != 0) listed++;
        }
        vm.assume(listed > 0);
        uint256[] memory ids = new uint256[](listed);
        uint256 j = 0;
        for (uint256 i = 0; i < minted; ++i) {
            if (listMask & (1 << i) != 0) ids[j++] = (badge << 128) | (i + 1);
        }

        uint256 deadline = block.timestamp + 1 hours;
        // The points account moves first (here without points): the tokens must follow it.
        bytes memory accountSignature = _sign(fromKey, _accountMigrationDigest(from, bystander, 0, deadline));
        vm.prank(migrator);
        points.migrateAccount(from, bystander, deadline, accountSignature);
        bytes32 structHash = keccak256(
            abi.encode(TOKEN_MIGRATION_TYPEHASH, from, bystander, keccak256(abi.encodePacked(ids)), 0, deadline)
        );
        bytes memory signature =
            _sign(fromKey, keccak256(abi.encodePacked("\x19\x01", nft.DOMAIN_SEPARATOR(), structHash)));
        vm.expectEmit(address(nft));
        emit IRewardNFT.TokensMigrated(from, bystander, listed);
        vm.prank(migrator);
        nft.migrateTokens(from, bystander, ids, deadline, signature);

        for (uint256 i = 0; i < minted; ++i) {
            bool wasListed = listMask & (1 << i) != 0;
            assertEq(nft.ownerOf((badge << 128) | (i + 1)), wasListed ? bystander : from);
        }
        assertEq(nft.balanceOf(bystander), listed);
        assertEq(nft.balanceOf(from), minted - listed);
        assertEq(nft.nonces(from), 1);
    }
}
