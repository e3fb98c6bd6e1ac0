// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Vm
/// @notice The subset of the forge-std cheatcode interface that Cairn's Solidity tests
/// use. forge-std is not on the npm registry, so this small copy of the signatures lives
/// in-repo; Hardhat's Solidity test runner (EDR) implements them at `VM_ADDRESS`.
interface Vm {
    // Accounts and signatures
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;

    // Caller control
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    // Block environment
    function roll(uint256 newHeight) external;
    function warp(uint256 newTimestamp) external;
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;

    // Expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit() external;

    // Fuzzing
    function assume(bool condition) external pure;
}

/// @dev The address at which the test runner answers cheatcode calls:
/// `address(uint160(uint256(keccak256("hevm cheat code"))))`.
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
