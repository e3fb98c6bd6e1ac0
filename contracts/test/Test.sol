// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "./Vm.sol";

/// @title Test
/// @notice Base contract for Cairn's Solidity tests: the cheatcode handle `vm`, assertions
/// that revert with a message naming both values, and `bound` for fuzz inputs. It stands
/// in for forge-std's `Test`, which cannot be installed here.
abstract contract Test {
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @notice Thrown when an assertion fails; the runner prints its fields.
    error AssertionFailed(string message);

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert AssertionFailed(message);
    }

    function assertEq(uint256 actual, uint256 expected, string memory message) internal pure {
        if (actual != expected) {
            revert AssertionFailed(_describe(message, _toString(actual), _toString(expected)));
        }
    }

    function assertEq(address actual, address expected, string memory message) internal pure {
        if (actual != expected) {
            revert AssertionFailed(_describe(message, _toHex(uint160(actual)), _toHex(uint160(expected))));
        }
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory message) internal pure {
        if (actual != expected) {
            revert AssertionFailed(_describe(message, _toHex(uint256(actual)), _toHex(uint256(expected))));
        }
    }

    function assertEq(bool actual, bool expected, string memory message) internal pure {
        if (actual != expected) {
            revert AssertionFailed(_describe(message, actual ? "true" : "false", expected ? "true" : "false"));
        }
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory message) internal pure {
        if (keccak256(actual) != keccak256(expected)) revert AssertionFailed(message);
    }

    function assertLe(uint256 actual, uint256 max, string memory message) internal pure {
        if (actual > max) {
            revert AssertionFailed(_describe(message, _toString(actual), string.concat("<= ", _toString(max))));
        }
    }

    function assertGe(uint256 actual, uint256 min, string memory message) internal pure {
        if (actual < min) {
            revert AssertionFailed(_describe(message, _toString(actual), string.concat(">= ", _toString(min))));
        }
    }

    function assertLt(uint256 actual, uint256 max, string memory message) internal pure {
        if (actual >= max) {
            revert AssertionFailed(_describe(message, _toString(actual), string.concat("< ", _toString(max))));
        }
    }

    /// @notice Fails with `message`.
    function fail(string memory message) internal pure {
        revert AssertionFailed(message);
    }

    /// @notice Maps any fuzzed `value` into `[min, max]` without discarding runs.
    function bound(uint256 value, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert AssertionFailed("bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return value;
        return min + (value % (size + 1));
    }

    function _describe(string memory message, string memory actual, string memory expected)
        private
        pure
        returns (string memory)
    {
        return string.concat(message, ": got ", actual, ", expected ", expected);
    }

    function _toString(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) digits++;
        bytes memory buffer = new bytes(digits);
        for (; value != 0; value /= 10) buffer[--digits] = bytes1(uint8(48 + (value % 10)));
        return string(buffer);
    }

    function _toHex(uint256 value) private pure returns (string memory) {
        bytes memory alphabet = "0123456789abcdef";
        bytes memory buffer = new bytes(66);
        buffer[0] = "0";
        buffer[1] = "x";
        for (uint256 i = 65; i > 1; --i) {
            buffer[i] = alphabet[value & 0xf];
            value >>= 4;
        }
        return string(buffer);
    }
}
