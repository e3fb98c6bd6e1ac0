// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrantReceiver
/// @notice An account for attack tests: it acts (as provider, client, validator or channel
/// party) through `execute`, and on every payment it receives it calls back into a target
/// with a payload set in advance. It records the outcome instead of reverting, so the test
/// can check that the payout succeeded once and the reentry failed.
contract ReentrantReceiver {
    address public reentryTarget;
    bytes public reentryPayload;
    uint256 public paymentsReceived;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastReentryError;

    /// @notice Calls `target` with `data` and `value` as this contract, bubbling up reverts.
    function execute(address target, bytes calldata data, uint256 value) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }

    /// @notice Sets the call made on every payment received; a zero target turns it off.
    function setReentry(address target, bytes calldata payload) external {
        reentryTarget = target;
        reentryPayload = payload;
    }

    receive() external payable {
        paymentsReceived += msg.value;
        if (reentryTarget == address(0)) return;
        reentryAttempts += 1;
        (bool ok, bytes memory result) = reentryTarget.call(reentryPayload);
        if (ok) reentrySuccesses += 1;
        else lastReentryError = result;
    }
}
