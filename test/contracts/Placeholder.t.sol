// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../../contracts/test/Test.sol";
import {Placeholder} from "../../contracts/Placeholder.sol";

contract PlaceholderTest is Test {
    Placeholder private _placeholder;

    event Pinged(address indexed caller, uint256 pings);

    function setUp() public {
        _placeholder = new Placeholder();
    }

    function test_ping_countsAndEmits() public {
        vm.expectEmit(true, false, false, true);
        emit Pinged(address(this), 1);
        _placeholder.ping();
        assertEq(_placeholder.pings(), 1, "pings after one call");
    }

    function testFuzz_ping(uint8 calls, address caller) public {
        vm.assume(caller != address(0));
        uint256 n = bound(calls, 0, 20);
        for (uint256 i = 0; i < n; i++) {
            vm.prank(caller);
            _placeholder.ping();
        }
        assertEq(_placeholder.pings(), n, "pings after n calls");
    }

    function test_bound_staysInRange() public pure {
        assertEq(bound(0, 5, 9), 5, "bound of 0");
        assertEq(bound(7, 5, 9), 7, "bound of 7");
        assertEq(bound(12, 5, 9), 7, "bound wraps");
    }
}
