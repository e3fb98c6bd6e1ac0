// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Placeholder
/// @notice Stands in for the market contracts until they land, so that the deploy
/// pipeline (Ignition module, deployments/<chainId>.json, generated TypeScript module)
/// is exercised end to end on every engine.
contract Placeholder {
    /// @notice How many times `ping` was called.
    uint256 public pings;

    /// @notice Emitted after every `ping`.
    event Pinged(address indexed caller, uint256 pings);

    /// @notice Counts a call; used by the smoke test to send real transactions.
    function ping() external {
        pings += 1;
        emit Pinged(msg.sender, pings);
    }
}
