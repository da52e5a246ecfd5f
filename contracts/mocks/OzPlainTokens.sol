// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Plain OpenZeppelin ERC-20 with an open mint: the gas benchmark's baseline, never deployed.
contract OzPlainERC20 is ERC20("Plain", "PLN") {
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice Plain OpenZeppelin ERC-721 with an open mint: the gas benchmark's baseline, never deployed.
contract OzPlainERC721 is ERC721("Plain", "PLN") {
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}

/// @notice A contract that implements no token receiver hook, for safe-transfer tests.
contract NonReceiver {}

/// @notice A contract wallet that accepts ERC-721 tokens, for safe-transfer tests.
contract ERC721ReceiverMock {
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
