// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../../../contracts/test/Test.sol";
import {ProofLogs} from "../../../contracts/libraries/ProofLogs.sol";
import {Period} from "../../../contracts/types/Period.sol";

/// @notice The proof log's bitmaps against a plain mapping model.
contract ProofLogsTest is Test {
    using ProofLogs for ProofLogs.ProofLog;

    ProofLogs.ProofLog private _log;
    mapping(uint64 period => bool) private _proven;
    mapping(uint64 period => bool) private _missed;

    function test_start_countsTheFillPeriodAsProven() public {
        _log.start(Period.wrap(10));
        assertTrue(_log.isProven(Period.wrap(10)), "fill period proven");
        assertFalse(_log.isProven(Period.wrap(11)), "later period");
        assertFalse(_log.isMissMarked(Period.wrap(10)), "no miss");
        assertEq(_log.missedProofs, 0, "no misses");
    }

    function test_recordMiss_countsMisses() public {
        _log.start(Period.wrap(1));
        assertEq(_log.recordMiss(Period.wrap(2)), 1, "first");
        assertEq(_log.recordMiss(Period.wrap(3)), 2, "second");
        assertTrue(_log.isMissMarked(Period.wrap(2)), "kept");
    }

    function test_recordProof_forgetsPeriodsBeyondTheSpan() public {
        _log.start(Period.wrap(0));
        _log.recordProof(Period.wrap(uint64(ProofLogs.SPAN)));
        assertFalse(_log.isProven(Period.wrap(0)), "fell off the span");
        assertTrue(_log.isProven(Period.wrap(uint64(ProofLogs.SPAN))), "newest");
    }

    /// @notice Any sequence of proofs at the current period and misses marked within the
    /// window agrees with a mapping for every period still inside the window.
    /// forge-config: default.fuzz.runs = 128
    function testFuzz_recordProof(uint64 start, uint8[24] calldata steps) public {
        start = uint64(bound(start, 0, type(uint64).max / 2));
        _log.start(Period.wrap(start));
        _proven[start] = true;
        uint64 current = start;
        for (uint256 i = 0; i < steps.length; ++i) {
            uint8 step = steps[i];
            current += step % 3; // the chain moves 0, 1 or 2 periods between calls
            if (step % 2 == 0) {
                if (!_proven[current]) {
                    _log.recordProof(Period.wrap(current));
                    _proven[current] = true;
                }
            } else {
                uint64 back = (step / 8) % 8; // a miss up to 7 periods back
                uint64 period = current > start + back ? current - back : start;
                if (period > start && !_proven[period] && !_missed[period]) {
                    _log.recordMiss(Period.wrap(period));
                    _missed[period] = true;
                }
            }
        }
        uint64 oldest = current > start + 40 ? current - 40 : start;
        for (uint64 period = oldest; period <= current; ++period) {
            assertEq(_log.isProven(Period.wrap(period)), _proven[period], "proven");
            assertEq(_log.isMissMarked(Period.wrap(period)), _missed[period], "missed");
        }
    }
}
