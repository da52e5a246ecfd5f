// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title LoyaltyForwarder
/// @notice OpenZeppelin's ERC-2771 forwarder for gasless member actions: a member signs an EIP-712
/// forward request (nonce and deadline included) and any relayer submits it, paying the gas.
/// @dev Security: the target contracts must not inherit Multicall (CVE-2023-49145). Which calls a
/// relayer agrees to pay for is the relayer's own policy (an allowlist off chain).
contract LoyaltyForwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("LoyaltyForwarder") {}
}
