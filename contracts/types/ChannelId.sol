// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev Identifies a payment channel: `keccak256(abi.encode(sender, nonce))`, where nonce
/// counts the channels that sender has opened. A sender can compute the id of its next
/// channel before opening it, and no two channels share an id.
type ChannelId is bytes32;

using ChannelIds for ChannelId global;

/// @title ChannelIds
/// @notice Derives channel ids.
library ChannelIds {
    /// @notice The id of the `nonce`-th channel (from 0) that `sender` opens.
    function derive(address sender, uint256 nonce) internal pure returns (ChannelId) {
        return ChannelId.wrap(keccak256(abi.encode(sender, nonce)));
    }
}
