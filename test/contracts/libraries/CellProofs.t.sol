// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../../../contracts/test/Test.sol";
import {UniformSlot} from "../../../contracts/test/UniformSlot.sol";
import {CellProofs} from "../../../contracts/libraries/CellProofs.sol";
import {Sampling} from "../../../contracts/libraries/Sampling.sol";
import {SlotId} from "../../../contracts/types/SlotId.sol";

/// @notice Fuzzes the verifier with uniform slots (whose proofs are cheap to build here);
/// the shared vectors (CellProofs.test.ts) cover random data.
contract CellProofsTest is Test {
    uint256 private constant _CELL = 256;
    uint256 private constant _SAMPLES = 8;

    function test_depth_isCeilLog2() public pure {
        assertEq(CellProofs.depth(1), 0, "1");
        assertEq(CellProofs.depth(2), 1, "2");
        assertEq(CellProofs.depth(3), 2, "3");
        assertEq(CellProofs.depth(1024), 10, "1024");
        assertEq(CellProofs.depth(3072), 12, "3072");
        assertEq(CellProofs.depth(1 << 22), 22, "1 GiB");
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_verify(uint256 salt, uint8 depthSeed, bytes32 seed, SlotId slotId) public view {
        uint256 depth = bound(depthSeed, 0, 24);
        bytes memory cell = UniformSlot.pattern(salt, _CELL);
        (bytes memory cells, bytes32[] memory siblings) = UniformSlot.proof(cell, depth, _SAMPLES);
        bytes32 root = UniformSlot.root(cell, depth);
        assertTrue(this.verify(cells, siblings, root, seed, slotId, 1 << depth), "a real proof verifies");
    }

    /// @notice Flipping any byte of any cell or sibling breaks the proof.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_verify_rejectsTampering(uint256 salt, uint8 depthSeed, uint256 position, bytes32 seed)
        public
        view
    {
        uint256 depth = bound(depthSeed, 1, 16);
        bytes memory cell = UniformSlot.pattern(salt, _CELL);
        (bytes memory cells, bytes32[] memory siblings) = UniformSlot.proof(cell, depth, _SAMPLES);
        bytes32 root = UniformSlot.root(cell, depth);
        SlotId slotId = SlotId.wrap(bytes32(salt));
        position = bound(position, 0, cells.length + siblings.length * 32 - 1);
        if (position < cells.length) {
            cells[position] = bytes1(uint8(cells[position]) ^ 0x01);
        } else {
            uint256 word = (position - cells.length) / 32;
            siblings[word] = siblings[word] ^ bytes32(uint256(1) << (8 * ((position - cells.length) % 32)));
        }
        assertFalse(this.verify(cells, siblings, root, seed, slotId, 1 << depth), "a tampered proof fails");
    }

    /// @notice A proof of the wrong length fails, whatever its content.
    function testFuzz_verify_rejectsWrongLengths(uint8 extraCells, uint8 extraSiblings) public view {
        vm.assume(extraCells != 0 || extraSiblings != 0);
        bytes memory cell = UniformSlot.pattern(1, _CELL);
        (bytes memory cells, bytes32[] memory siblings) = UniformSlot.proof(cell, 10, _SAMPLES);
        bytes memory longer = bytes.concat(cells, new bytes(extraCells));
        bytes32[] memory moreSiblings = new bytes32[](siblings.length + extraSiblings);
        for (uint256 i = 0; i < siblings.length; ++i) moreSiblings[i] = siblings[i];
        bytes32 root = UniformSlot.root(cell, 10);
        assertFalse(this.verify(longer, moreSiblings, root, bytes32(0), SlotId.wrap(0), 1024), "wrong length");
    }

    /// forge-config: default.fuzz.runs = 256
    function testFuzz_cellIndex(bytes32 seed, SlotId slotId, uint256 sample, uint256 numCells) public pure {
        numCells = bound(numCells, 1, 1 << 40);
        assertLt(Sampling.cellIndex(seed, slotId, sample, numCells), numCells, "index below the cell count");
    }

    function testFuzz_isProofRequired(bytes32 seed, SlotId slotId) public pure {
        assertTrue(Sampling.isProofRequired(seed, slotId, 1), "probability 1 always requires");
    }

    /// @dev External so the fuzzed bytes reach CellProofs as calldata, as in the market.
    function verify(
        bytes calldata cells,
        bytes32[] calldata siblings,
        bytes32 root,
        bytes32 seed,
        SlotId slotId,
        uint256 numCells
    ) external view returns (bool) {
        return CellProofs.verify(cells, siblings, root, seed, slotId, numCells, _CELL, _SAMPLES);
    }
}
