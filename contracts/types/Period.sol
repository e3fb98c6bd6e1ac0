// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev A proof period: a run of `periodBlocks` consecutive blocks. Period p covers
/// blocks [p * periodBlocks, (p + 1) * periodBlocks). Counting in blocks, not seconds,
/// ties each period to a block whose hash is its seed.
type Period is uint64;

using Periods for Period global;
using {_equals as ==, _lessThan as <, _greaterThan as >} for Period global;

/// @title Periods
/// @notice Maps blocks to periods and reads a period's seed from its first block's hash.
library Periods {
    /// @notice The period that block `blockNumber` falls in.
    function at(uint256 blockNumber, uint256 periodBlocks) internal pure returns (Period) {
        // A block number divided by periodBlocks >= 2 stays far below 2^64.
        return Period.wrap(uint64(blockNumber / periodBlocks));
    }

    /// @notice The period of the current block.
    function current(uint256 periodBlocks) internal view returns (Period) {
        return at(block.number, periodBlocks);
    }

    /// @notice The first block of `period`; its hash is the period's seed.
    function firstBlock(Period period, uint256 periodBlocks) internal pure returns (uint256) {
        return uint256(Period.unwrap(period)) * periodBlocks;
    }

    /// @notice The first block after `period`, where the period has ended.
    function endBlock(Period period, uint256 periodBlocks) internal pure returns (uint256) {
        return (uint256(Period.unwrap(period)) + 1) * periodBlocks;
    }

    /// @notice The period's seed read from the chain, or zero when the first block's hash
    /// is not readable: before the block is mined, in the block itself, and after the EVM's
    /// 256-block horizon.
    function blockHashSeed(Period period, uint256 periodBlocks) internal view returns (bytes32) {
        return blockhash(firstBlock(period, periodBlocks));
    }
}

function _equals(Period a, Period b) pure returns (bool) {
    return Period.unwrap(a) == Period.unwrap(b);
}

function _lessThan(Period a, Period b) pure returns (bool) {
    return Period.unwrap(a) < Period.unwrap(b);
}

function _greaterThan(Period a, Period b) pure returns (bool) {
    return Period.unwrap(a) > Period.unwrap(b);
}
