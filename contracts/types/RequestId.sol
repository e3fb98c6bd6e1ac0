// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SlotId} from "./SlotId.sol";

/// @dev Identifies a storage request. It is `keccak256(abi.encode(client, nonce))` with its
/// low 16 bits cleared, so that a slot id can carry the slot index there (see `SlotId`).
/// The client picks the nonce, so it knows the id before its transaction is mined; the
/// client's address in the hash stops anyone else from taking that id first.
type RequestId is bytes32;

using RequestIds for RequestId global;
using {_equals as ==} for RequestId global;

/// @title RequestIds
/// @notice Derives request ids and the ids of their slots.
library RequestIds {
    /// @dev The bits of a request id that hold a slot index in a slot id.
    uint256 internal constant INDEX_MASK = 0xffff;

    /// @notice The id of the request that `client` makes with `nonce`.
    function derive(address client, bytes32 nonce) internal pure returns (RequestId) {
        return RequestId.wrap(bytes32(uint256(keccak256(abi.encode(client, nonce))) & ~INDEX_MASK));
    }

    /// @notice The id of slot `index` of request `id`. `index` must be below 2^16.
    function slot(RequestId id, uint256 index) internal pure returns (SlotId) {
        return SlotId.wrap(bytes32(uint256(RequestId.unwrap(id)) | (index & INDEX_MASK)));
    }
}

function _equals(RequestId a, RequestId b) pure returns (bool) {
    return RequestId.unwrap(a) == RequestId.unwrap(b);
}
