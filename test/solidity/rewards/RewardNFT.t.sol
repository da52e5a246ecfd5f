// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {IRewardNFT} from "../../../contracts/rewards/IRewardNFT.sol";
import {LoyaltyFixture} from "../utils/LoyaltyFixture.sol";
import {MigrationFixture} from "../utils/MigrationFixture.sol";

/// @notice Stateless fuzz tests of voucher signatures: random keys, deadlines and nonces.
contract VoucherFuzzTest is LoyaltyFixture {

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

/// @notice Fuzz properties of token migration: exactly the listed tokens follow a moved account.
contract RewardNFTMigrationFuzzTest is MigrationFixture {
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
