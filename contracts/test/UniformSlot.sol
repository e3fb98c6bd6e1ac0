// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title UniformSlot
/// @notice Slots made of one cell repeated, for Solidity tests: every level of such a
/// tree is one hash, so a root and a proof cost O(depth) to build on-chain. The TypeScript
/// twin is test/helpers/uniform-tree.ts; both follow the tree of CellProofs.
library UniformSlot {
    /// @notice A cell of `cellSize` bytes with no zero byte, different for each `salt`.
    function pattern(uint256 salt, uint256 cellSize) internal pure returns (bytes memory cell) {
        cell = new bytes(cellSize);
        for (uint256 i = 0; i < cellSize; ++i) {
            cell[i] = bytes1(uint8(((i * 7 + (salt % 255) * 31) % 255) + 1));
        }
    }

    /// @notice The node hash at every height, leaf first; `levels[depth]` is the root.
    function levels(bytes memory cell, uint256 depth) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](depth + 1);
        hashes[0] = sha256(cell);
        for (uint256 height = 0; height < depth; ++height) {
            hashes[height + 1] = keccak256(abi.encodePacked(hashes[height], hashes[height]));
        }
    }

    /// @notice The root of a slot of 2^depth copies of `cell`.
    function root(bytes memory cell, uint256 depth) internal pure returns (bytes32) {
        return levels(cell, depth)[depth];
    }

    /// @notice A proof of `samples` samples over such a slot, in the market's layout. Every
    /// sample shows the same cell and the same path, whatever indices the seed picks.
    function proof(bytes memory cell, uint256 depth, uint256 samples)
        internal
        pure
        returns (bytes memory cells, bytes32[] memory siblings)
    {
        bytes32[] memory hashes = levels(cell, depth);
        siblings = new bytes32[](samples * depth);
        for (uint256 i = 0; i < samples; ++i) {
            cells = bytes.concat(cells, cell);
            for (uint256 height = 0; height < depth; ++height) {
                siblings[i * depth + height] = hashes[height];
            }
        }
    }
}
