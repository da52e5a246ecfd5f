// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LoyaltyFixture} from "./LoyaltyFixture.sol";

/// @notice The program with tiers (1,000 / 5,000 / 20,000), a migrator and an issuing agent of the
/// merchant: the set-up of the agent and migration fuzz suites.
abstract contract MigrationFixture is LoyaltyFixture {
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
        return bound(seed, 1, SECP256K1_N - 1);
    }

    function _accountMigrationDigest(address from, address to, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(ACCOUNT_MIGRATION_TYPEHASH, from, to, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", points.DOMAIN_SEPARATOR(), structHash));
    }
}
