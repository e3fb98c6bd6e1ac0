// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RequestId, RequestIds} from "./RequestId.sol";

/// @dev Identifies one slot of a request: the request's id with the slot index in the low
/// 16 bits. So a slot id names its request without a storage read, and slot ids of
/// different requests never collide.
type SlotId is bytes32;

using SlotIds for SlotId global;
using {_equals as ==} for SlotId global;

/// @title SlotIds
/// @notice Splits a slot id into its request id and slot index.
library SlotIds {
    /// @notice The request this slot belongs to.
    function requestId(SlotId id) internal pure returns (RequestId) {
        return RequestId.wrap(bytes32(uint256(SlotId.unwrap(id)) & ~RequestIds.INDEX_MASK));
    }

    /// @notice The slot's index within its request, from 0 to n - 1.
    function index(SlotId id) internal pure returns (uint256) {
        return uint256(SlotId.unwrap(id)) & RequestIds.INDEX_MASK;
    }
}

function _equals(SlotId a, SlotId b) pure returns (bool) {
    return SlotId.unwrap(a) == SlotId.unwrap(b);
}
