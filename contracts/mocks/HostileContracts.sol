// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice A member that is a contract and calls back into the program from `onERC721Received`:
/// the adversarial tests arm it with any call (redeem again, mint, transfer points or the token it
/// just received) to try re-entering the catalog in the middle of a mint. Never deployed by the
/// program. Anyone can drive it: it is an attacker's tool, not a wallet.
contract ReentrantReceiver {
    address public target;
    bytes public callData;
    /// @notice How many more receipts will make the call.
    uint256 public remaining;
    /// @notice Whether a failed call is swallowed (the receipt still succeeds) or bubbles up.
    bool public swallow;
    /// @notice Revert data of the last swallowed call (empty if it succeeded).
    bytes public lastRevert;
    uint256 public received;

    /// @notice From the next `times` receipts on, call `target` with `data` from `onERC721Received`.
    function arm(address target_, bytes calldata data, uint256 times, bool swallow_) external {
        target = target_;
        callData = data;
        remaining = times;
        swallow = swallow_;
        delete lastRevert;
    }

    /// @notice Acts as this member: any call, reverts bubbled up.
    function execute(address to, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = to.call(data);
        if (!ok) _bubble(result);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        ++received;
        if (remaining > 0) {
            --remaining;
            (bool ok, bytes memory result) = target.call(callData);
            if (!ok) {
                if (!swallow) _bubble(result);
                lastRevert = result;
            }
        }
        return this.onERC721Received.selector;
    }

    function _bubble(bytes memory data) private pure {
        assembly ("memory-safe") {
            revert(add(data, 0x20), mload(data))
        }
    }
}

/// @notice A smart-contract wallet (ERC-1271) whose signature check tries to change state (here:
/// call `target` with `data`) before answering that its owner's signature is valid. The program
/// checks signatures with a static call, so the attempt must make the check fail, never act.
/// Never deployed by the program.
contract ReentrantERC1271Wallet {
    address public immutable owner;
    address public target;
    bytes public callData;
    uint256 public attempts;

    constructor(address owner_) {
        owner = owner_;
    }

    function arm(address target_, bytes calldata data) external {
        target = target_;
        callData = data;
    }

    /// @dev Deliberately not `view`: a state change inside a static call reverts this frame.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        if (target != address(0)) {
            ++attempts;
            (bool ok,) = target.call(callData);
            ok; // whatever it returned, the wallet claims the signature is valid
        }
        (address signer,,) = ECDSA.tryRecover(hash, signature);
        return signer == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
