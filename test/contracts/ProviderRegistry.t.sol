// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InvariantTest} from "../../contracts/test/InvariantTest.sol";
import {Test} from "../../contracts/test/Test.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";
import {ProviderRegistry} from "../../contracts/ProviderRegistry.sol";
import {RegistryHandler} from "../../contracts/test/handlers/RegistryHandler.sol";

/// @notice Fuzz and invariant tests of the registry's money: the balance is exactly the
/// stakes and queued exits, locked collateral never exceeds stake, a slash never takes more
/// than there is, and exits pay out only what was queued and not slashed.
contract ProviderRegistryTest is Test, InvariantTest {
    ProviderRegistry private _registry;
    RegistryHandler private _handler;
    address private constant _PROVIDER = address(0xBEEF);
    address private constant _SINK = address(0x5151);

    function setUp() public {
        _registry = new ProviderRegistry(
            IProviderRegistry.RegistryConfig({minStake: 1 ether, activationDelay: 60, unbondingPeriod: 1 hours}),
            address(this)
        );
        _handler = new RegistryHandler(_registry);
        _registry.grantRole(_registry.MARKET_ROLE(), address(_handler));
        _registry.grantRole(_registry.MARKET_ROLE(), address(this));
        targetContract(address(_handler));
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = RegistryHandler.register.selector;
        selectors[1] = RegistryHandler.addStake.selector;
        selectors[2] = RegistryHandler.requestWithdrawal.selector;
        selectors[3] = RegistryHandler.withdraw.selector;
        selectors[4] = RegistryHandler.lockCollateral.selector;
        selectors[5] = RegistryHandler.unlockCollateral.selector;
        selectors[6] = RegistryHandler.slash.selector;
        selectors[7] = RegistryHandler.passTime.selector;
        targetSelector(FuzzSelector({addr: address(_handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    function invariant_balanceEqualsStakesAndExits() public view {
        uint256 owed = 0;
        for (uint256 i = 0; i < 3; ++i) {
            IProviderRegistry.ProviderInfo memory info = _registry.providerInfo(_handler.providers(i));
            owed += info.stake + info.exitAmount;
        }
        assertEq(address(_registry).balance, owed, "registry balance");
        uint256 out = _handler.ghostWithdrawn() + _handler.ghostSlashed();
        assertEq(_handler.ghostIn(), owed + out, "every wei in went somewhere");
        assertEq(_SINK.balance, _handler.ghostSlashed(), "slashes reach their recipient, once");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    function invariant_lockedNeverExceedsStake() public view {
        for (uint256 i = 0; i < 3; ++i) {
            IProviderRegistry.ProviderInfo memory info = _registry.providerInfo(_handler.providers(i));
            assertLe(info.lockedCollateral, info.stake, "locked <= stake");
        }
    }

    /// @notice A slash takes locked collateral, then free stake, then the exit, and never
    /// more than their sum.
    function testFuzz_slash(uint96 stake, uint96 locked, uint96 exiting, uint256 amount) public {
        stake = uint96(bound(stake, 1 ether, 1000 ether));
        exiting = uint96(bound(exiting, 0, stake));
        locked = uint96(bound(locked, 0, stake - exiting));
        _registerWith(stake);
        _registry.lockCollateral(_PROVIDER, locked);
        if (exiting > 0) {
            vm.prank(_PROVIDER);
            _registry.requestWithdrawal(exiting);
        }
        amount = bound(amount, 0, uint256(stake) + 1);
        if (amount > stake) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProviderRegistry.ProviderRegistrySlashExceedsStake.selector, _PROVIDER, uint256(stake), amount
                )
            );
        }
        _registry.slash(_PROVIDER, amount, _one(_SINK), _one(amount));
        if (amount > stake) return;
        IProviderRegistry.ProviderInfo memory info = _registry.providerInfo(_PROVIDER);
        uint256 inPlace = stake - exiting;
        uint256 fromStake = amount < inPlace ? amount : inPlace;
        assertEq(info.stake, inPlace - fromStake, "stake");
        assertEq(info.lockedCollateral, locked > fromStake ? locked - fromStake : 0, "locked goes first");
        assertEq(info.exitAmount, exiting - (amount - fromStake), "then the exit");
        assertEq(_SINK.balance, amount, "paid to the recipient");
    }

    /// @notice An exit takes only free stake and pays exactly what was queued.
    function testFuzz_requestWithdrawal(uint96 stake, uint96 locked, uint96 amount) public {
        stake = uint96(bound(stake, 1 ether, 1000 ether));
        locked = uint96(bound(locked, 0, stake));
        amount = uint96(bound(amount, 1, stake));
        _registerWith(stake);
        _registry.lockCollateral(_PROVIDER, locked);
        vm.prank(_PROVIDER);
        if (amount > stake - locked) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProviderRegistry.ProviderRegistryInsufficientFreeStake.selector,
                    _PROVIDER,
                    uint256(stake - locked),
                    uint256(amount)
                )
            );
            _registry.requestWithdrawal(amount);
            return;
        }
        _registry.requestWithdrawal(amount);
        vm.warp(block.timestamp + 1 hours);
        vm.prank(_PROVIDER);
        _registry.withdraw();
        assertEq(_PROVIDER.balance, amount, "paid what was queued");
        assertEq(address(_registry).balance, stake - amount, "the rest stays");
    }

    function test_withdraw_revertsBeforeUnbonding() public {
        _registerWith(2 ether);
        vm.prank(_PROVIDER);
        _registry.requestWithdrawal(1 ether);
        uint40 unlocksAt = _registry.providerInfo(_PROVIDER).exitUnlocksAt;
        vm.prank(_PROVIDER);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.ProviderRegistryExitLocked.selector, _PROVIDER, unlocksAt)
        );
        _registry.withdraw();
    }

    function _registerWith(uint256 stake) private {
        vm.deal(_PROVIDER, stake);
        vm.prank(_PROVIDER);
        _registry.register{value: stake}(
            IProviderRegistry.Offer({
                pricePerBytePerSecond: 1,
                maxCollateralPerByte: 1 ether,
                minDuration: 1,
                maxDuration: 1 days,
                capacity: 1 << 30,
                region: "",
                infrastructure: ""
            }),
            "",
            new string[](0)
        );
        vm.warp(block.timestamp + 60);
    }

    function _one(address value) private pure returns (address[] memory array) {
        array = new address[](1);
        array[0] = value;
    }

    function _one(uint256 value) private pure returns (uint256[] memory array) {
        array = new uint256[](1);
        array[0] = value;
    }
}
