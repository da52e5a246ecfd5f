// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {ILoyaltyPoints} from "../../../contracts/points/ILoyaltyPoints.sol";
import {LoyaltyFixture} from "../utils/LoyaltyFixture.sol";

/// @notice Stateless fuzz tests of gasless (ERC-2771) use: the forwarded signer, never the relayer
/// nor an appended address, is the one who acts.
contract ForwarderFuzzTest is LoyaltyFixture {
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
