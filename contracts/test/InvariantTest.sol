// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title InvariantTest
/// @notice The part of forge-std's StdInvariant that Hardhat's Solidity runner (EDR) reads:
/// before an `invariant_*` run it calls `targetContracts()`, `targetSelectors()` and
/// `targetSenders()` on the test contract to learn which calls to fuzz. Tests add their
/// handler with `targetContract` and its actions with `targetSelector`.
///
/// Handlers live under contracts/test/handlers/, not beside the tests: EDR recognises a
/// target by matching its code against the artifacts of the contracts build, and a
/// contract from a test-only file is not among them ("No contracts to fuzz").
abstract contract InvariantTest {
    /// @dev The shape EDR expects: a contract and the selectors to call on it.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;
    address[] private _targetedSenders;

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    function targetSender(address sender) internal {
        _targetedSenders.push(sender);
    }
}
