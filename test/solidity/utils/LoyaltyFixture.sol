// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {LoyaltyPoints} from "../../../contracts/points/LoyaltyPoints.sol";
import {RewardNFT} from "../../../contracts/rewards/RewardNFT.sol";
import {IRewardNFT} from "../../../contracts/rewards/IRewardNFT.sol";
import {LoyaltyForwarder} from "../../../contracts/metatx/LoyaltyForwarder.sol";

/// @notice Deploys the program the way scripts/deploy does (points, catalog with REDEEMER_ROLE,
/// forwarder) and offers helpers shared by the fuzz and invariant suites.
abstract contract LoyaltyFixture is Test {
    uint256 internal constant PERIOD = 30 days;
    /// @dev The secp256k1 group order: private keys lie in [1, SECP256K1_N - 1].
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    LoyaltyForwarder internal forwarder;
    LoyaltyPoints internal points;
    RewardNFT internal nft;

    address internal operator = makeAddr("operator");

    bytes32 internal constant VOUCHER_USE_TYPEHASH =
        keccak256("VoucherUse(uint256 tokenId,address holder,address merchant,uint256 nonce,uint256 deadline)");

    function _deployProgram() internal {
        // A realistic, non-zero clock: lastActivity 0 must never be mistaken for "now".
        vm.warp(1_700_000_000);
        forwarder = new LoyaltyForwarder();
        points = new LoyaltyPoints("Fidelite Points", "FDP", operator, address(forwarder));
        nft = new RewardNFT(points, address(forwarder));
        vm.startPrank(operator);
        points.grantRole(points.REDEEMER_ROLE(), address(nft));
        points.setInactivityPeriod(PERIOD);
        vm.stopPrank();
    }

    function _onboard(address merchant, uint256 allowance) internal {
        vm.prank(operator);
        points.onboardMerchant(merchant, "merchant", allowance);
    }

    function _setThresholds(uint256[] memory thresholds) internal {
        vm.prank(operator);
        points.setTierThresholds(thresholds);
    }

    function _terms(uint256 cost, uint64 cap, uint8 minTier, bool soulbound, bool mintOnly)
        internal
        pure
        returns (IRewardNFT.RewardTerms memory)
    {
        return IRewardNFT.RewardTerms({
            cost: cost,
            supplyCap: cap,
            minTier: minTier,
            validFrom: 0,
            validUntil: 0,
            soulbound: soulbound,
            mintOnly: mintOnly,
            category: IRewardNFT.RewardCategory.Discount
        });
    }

    function _createReward(address merchant, IRewardNFT.RewardTerms memory terms) internal returns (uint256) {
        vm.prank(merchant);
        return nft.createReward(terms, IRewardNFT.RewardMetadata({name: "Reward", description: "d", image: "ipfs://x"}));
    }

    /// @dev EIP-712 digest of a voucher use, built independently of the contract (only its domain
    /// separator is read back).
    function _voucherDigest(uint256 tokenId, address holder, address merchant, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(VOUCHER_USE_TYPEHASH, tokenId, holder, merchant, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", nft.DOMAIN_SEPARATOR(), structHash));
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Reference tier: the number of thresholds that `earned` reaches, counted independently of
    /// the contract's early-exit loop.
    function _referenceTier(uint256[] memory thresholds, uint256 earned) internal pure returns (uint256 tier) {
        for (uint256 i = 0; i < thresholds.length; ++i) {
            if (earned >= thresholds[i]) tier++;
        }
    }
}
