// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SlotId} from "../types/SlotId.sol";
import {Sampling} from "./Sampling.sol";

/// @title CellProofs
/// @notice Verifies that a prover holds the cells of a slot that a seed samples.
///
/// A slot's tree is a binary Merkle tree over its cells (data.md):
/// - a leaf is `sha256(cell)`; SHA-256 is native speed in Node and WebCrypto;
/// - an inner node is `keccak256(left || right)`; keccak is the cheap hash in the EVM;
/// - the leaves are padded to the next power of two with `bytes32(0)`. Sampled indices are
///   always below the cell count, so a padding leaf is never a sample, only a sibling.
/// Using two different functions for leaves and inner nodes means no inner node can pass
/// for a leaf.
///
/// Calldata layout of one proof of S samples over a tree of depth d (docs/contracts.md):
/// - `cells`: S * cellSize bytes, sample 0's cell first;
/// - `siblings`: S * d hashes, sample-major, each sample's path from the leaf level up.
/// The top levels of the S paths often repeat; they are sent anyway, because a shared
/// encoding saves little at 8 samples and makes every prover more complex.
library CellProofs {
    /// @dev The address of the SHA-256 precompile.
    uint256 private constant _SHA256 = 0x02;

    /// @notice The depth of a tree over `numCells` cells: ceil(log2(numCells)).
    function depth(uint256 numCells) internal pure returns (uint256) {
        return Math.log2(numCells, Math.Rounding.Ceil);
    }

    /// @notice Whether `cells` and `siblings` prove the `samples` cells of `slotId` that
    /// `seed` selects, against the slot's `root`.
    /// @param numCells The slot's cell count; the sampled indices fall below it.
    /// @param cellSize The cell size in bytes.
    function verify(
        bytes calldata cells,
        bytes32[] calldata siblings,
        bytes32 root,
        bytes32 seed,
        SlotId slotId,
        uint256 numCells,
        uint256 cellSize,
        uint256 samples
    ) internal view returns (bool) {
        if (cells.length != samples * cellSize) return false;
        uint256[] memory indices = Sampling.cellIndices(seed, slotId, samples, numCells);
        return _verifyAt(cells, siblings, root, indices, depth(numCells), cellSize);
    }

    /// @dev Whether every sample's cell climbs to `root` at its index.
    function _verifyAt(
        bytes calldata cells,
        bytes32[] calldata siblings,
        bytes32 root,
        uint256[] memory indices,
        uint256 treeDepth,
        uint256 cellSize
    ) private view returns (bool) {
        if (siblings.length != indices.length * treeDepth) return false;
        for (uint256 i = 0; i < indices.length; ++i) {
            bytes32 leaf = _leaf(cells, i * cellSize, cellSize);
            if (_climb(leaf, indices[i], siblings, i * treeDepth, treeDepth) != root) return false;
        }
        return true;
    }

    /// @dev sha256 of `cells[offset:offset + cellSize]`, hashed from free memory without
    /// moving the free memory pointer (the copy is scratch and dies with this call).
    function _leaf(bytes calldata cells, uint256 offset, uint256 cellSize) private view returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            calldatacopy(buffer, add(cells.offset, offset), cellSize)
            if iszero(staticcall(gas(), _SHA256, buffer, cellSize, 0x00, 0x20)) { revert(0x00, 0x00) }
            leaf := mload(0x00)
        }
    }

    /// @dev Hashes `node` up the tree along `treeDepth` siblings read from
    /// `siblings[start:]`. At each level the low bit of `index` says on which side `node`
    /// sits. The two children are written to scratch space (0x00-0x3f) and hashed there,
    /// so no memory is allocated per level.
    function _climb(bytes32 node, uint256 index, bytes32[] calldata siblings, uint256 start, uint256 treeDepth)
        private
        pure
        returns (bytes32)
    {
        assembly ("memory-safe") {
            let cursor := add(siblings.offset, shl(5, start))
            let end := add(cursor, shl(5, treeDepth))
            for {} lt(cursor, end) { cursor := add(cursor, 0x20) } {
                let isRight := and(index, 1)
                // A left child goes to 0x00 and its sibling to 0x20; a right child the reverse.
                mstore(shl(5, isRight), node)
                mstore(shl(5, iszero(isRight)), calldataload(cursor))
                node := keccak256(0x00, 0x40)
                index := shr(1, index)
            }
        }
        return node;
    }
}
