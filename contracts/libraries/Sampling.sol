// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SlotId} from "../types/SlotId.sol";

/// @title Sampling
/// @notice Turns a period's seed into the proof duty of a slot: whether it must prove in
/// that period, and which cells it must show. node/src/core/sampling.ts computes the same
/// two functions off-chain; the shared vectors (scripts/vectors/) keep them in step.
library Sampling {
    /// @notice Whether `slotId` must prove in the period whose seed is `seed`: true with
    /// probability 1 / `probability`.
    /// @dev `uint256(keccak256(abi.encode(seed, slotId))) % probability == 0`.
    function isProofRequired(bytes32 seed, SlotId slotId, uint256 probability) internal pure returns (bool) {
        return uint256(keccak256(abi.encode(seed, slotId))) % probability == 0;
    }

    /// @notice The index of the cell that sample `sample` of `slotId` must show, below
    /// `numCells`.
    /// @dev `uint256(keccak256(abi.encode(seed, slotId, sample))) % numCells`.
    function cellIndex(bytes32 seed, SlotId slotId, uint256 sample, uint256 numCells)
        internal
        pure
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(seed, slotId, sample))) % numCells;
    }

    /// @notice The cell indices of all `samples` samples, in order.
    function cellIndices(bytes32 seed, SlotId slotId, uint256 samples, uint256 numCells)
        internal
        pure
        returns (uint256[] memory indices)
    {
        indices = new uint256[](samples);
        for (uint256 i = 0; i < samples; ++i) {
            indices[i] = cellIndex(seed, slotId, i, numCells);
        }
    }
}
