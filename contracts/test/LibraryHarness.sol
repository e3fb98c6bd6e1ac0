// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CellProofs} from "../libraries/CellProofs.sol";
import {Sampling} from "../libraries/Sampling.sol";
import {ChannelId, ChannelIds} from "../types/ChannelId.sol";
import {Period, Periods} from "../types/Period.sol";
import {RequestId, RequestIds} from "../types/RequestId.sol";
import {SlotId} from "../types/SlotId.sol";

/// @title LibraryHarness
/// @notice Exposes the market's internal libraries and id types, so that TypeScript tests
/// can check them against node/src/core and the shared proof vectors.
contract LibraryHarness {
    function verify(
        bytes calldata cells,
        bytes32[] calldata siblings,
        bytes32 root,
        bytes32 seed,
        SlotId slotId,
        uint256 numCells,
        uint256 cellSize,
        uint256 samples
    ) external view returns (bool) {
        return CellProofs.verify(cells, siblings, root, seed, slotId, numCells, cellSize, samples);
    }

    function depth(uint256 numCells) external pure returns (uint256) {
        return CellProofs.depth(numCells);
    }

    function cellIndices(bytes32 seed, SlotId slotId, uint256 samples, uint256 numCells)
        external
        pure
        returns (uint256[] memory)
    {
        return Sampling.cellIndices(seed, slotId, samples, numCells);
    }

    function isProofRequired(bytes32 seed, SlotId slotId, uint256 probability) external pure returns (bool) {
        return Sampling.isProofRequired(seed, slotId, probability);
    }

    function deriveRequestId(address client, bytes32 nonce) external pure returns (RequestId) {
        return RequestIds.derive(client, nonce);
    }

    function deriveSlotId(RequestId id, uint256 index) external pure returns (SlotId) {
        return id.slot(index);
    }

    function splitSlotId(SlotId id) external pure returns (RequestId, uint256) {
        return (id.requestId(), id.index());
    }

    function deriveChannelId(address sender, uint256 nonce) external pure returns (ChannelId) {
        return ChannelIds.derive(sender, nonce);
    }

    function periodAt(uint256 blockNumber, uint256 periodBlocks) external pure returns (Period) {
        return Periods.at(blockNumber, periodBlocks);
    }

    function firstBlock(Period period, uint256 periodBlocks) external pure returns (uint256) {
        return period.firstBlock(periodBlocks);
    }
}
