// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Period} from "../types/Period.sol";

/// @title ProofLogs
/// @notice A slot host's proof record in one storage word: which recent periods it proved
/// in, which of its misses were marked, and how many misses it has.
///
/// A mapping from (slot, period) to a flag would cost a fresh 22,100-gas SSTORE per proof;
/// this word costs a 2,900-gas rewrite, and a mark touches no other word of the slot. It
/// holds two 48-period bitmaps anchored at the latest period written: bit i stands for
/// period `anchor - i`. Proofs are only accepted for the current period and misses only
/// within the marking window, and the market's config keeps that window within the span,
/// so every period that can still be asked about has its bit.
library ProofLogs {
    /// @dev Periods each bitmap covers.
    uint256 internal constant SPAN = 48;

    /// @notice One slot host's proof record.
    struct ProofLog {
        /// @dev The period the host filled the slot in; proofs are due after it.
        Period filledPeriod;
        /// @dev The latest period whose bit was set; bit 0 of each bitmap.
        Period anchor;
        /// @dev Bit i set: the slot proved in period `anchor - i`.
        uint48 proven;
        /// @dev Bit i set: a miss in period `anchor - i` was marked.
        uint48 missed;
        /// @dev Misses marked since the fill.
        uint8 missedProofs;
    }

    /// @notice A fresh record for a host that filled the slot in `period` with a proof for it.
    function start(ProofLog storage log, Period period) internal {
        log.filledPeriod = period;
        log.anchor = period;
        log.proven = 1;
        log.missed = 0;
        log.missedProofs = 0;
    }

    /// @notice Whether the slot proved in `period`.
    function isProven(ProofLog storage log, Period period) internal view returns (bool) {
        return _bit(log.proven, log.anchor, period);
    }

    /// @notice Whether a miss in `period` was marked.
    function isMissMarked(ProofLog storage log, Period period) internal view returns (bool) {
        return _bit(log.missed, log.anchor, period);
    }

    /// @notice Records a proof for `period`, which must not precede the anchor by `SPAN` or more.
    function recordProof(ProofLog storage log, Period period) internal {
        (uint48 proven, uint48 missed, uint48 bit) = _advance(log, period);
        log.proven = proven | bit;
        log.missed = missed;
    }

    /// @notice Records a marked miss for `period`, which must not precede the anchor by
    /// `SPAN` or more, and returns the misses so far.
    function recordMiss(ProofLog storage log, Period period) internal returns (uint256 missedProofs) {
        (uint48 proven, uint48 missed, uint48 bit) = _advance(log, period);
        missedProofs = log.missedProofs + 1;
        log.proven = proven;
        log.missed = missed | bit;
        log.missedProofs = uint8(missedProofs);
    }

    /// @dev Moves the anchor up to `period` if it is newer (shifting both bitmaps, so old
    /// bits fall off the top) and returns the bitmaps and `period`'s bit in them.
    function _advance(ProofLog storage log, Period period)
        private
        returns (uint48 proven, uint48 missed, uint48 bit)
    {
        Period anchor = log.anchor;
        proven = log.proven;
        missed = log.missed;
        if (period > anchor) {
            uint256 shift = Period.unwrap(period) - Period.unwrap(anchor);
            // A shift truncates to 48 bits: periods older than the span fall off the top.
            proven <<= shift;
            missed <<= shift;
            log.anchor = period;
            anchor = period;
        }
        bit = uint48(uint256(1) << (Period.unwrap(anchor) - Period.unwrap(period)));
    }

    function _bit(uint48 bits, Period anchor, Period period) private pure returns (bool) {
        if (period > anchor) return false;
        uint256 age = Period.unwrap(anchor) - Period.unwrap(period);
        return age < SPAN && (bits >> age) & 1 == 1;
    }
}
