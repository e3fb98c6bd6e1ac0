// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../Vm.sol";
import {IProviderRegistry} from "../../interfaces/IProviderRegistry.sol";
import {ProviderRegistry} from "../../ProviderRegistry.sol";

/// @notice Drives a ProviderRegistry through random but valid-looking calls for the
/// invariant tests: three providers stake, queue exits and withdraw; this handler, which
/// holds MARKET_ROLE, locks, unlocks and slashes. Ghost totals record every wei in and out.
contract RegistryHandler {
    Vm private constant _VM = Vm(VM_ADDRESS);

    ProviderRegistry public immutable registry;
    address[3] public providers = [address(0xA11), address(0xB22), address(0xC33)];
    /// @dev Where slashes are paid; an EOA, so it cannot reenter.
    address public constant SINK = address(0x5151);

    uint256 public ghostIn;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed;

    constructor(ProviderRegistry registry_) {
        registry = registry_;
    }

    function register(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        amount = _bound(amount, 1 ether, 50 ether);
        _VM.deal(provider, amount);
        _VM.prank(provider);
        try registry.register{value: amount}(_offer(), "", new string[](0)) {
            ghostIn += amount;
        } catch {}
    }

    function addStake(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        amount = _bound(amount, 1, 20 ether);
        _VM.deal(provider, amount);
        _VM.prank(provider);
        try registry.addStake{value: amount}() {
            ghostIn += amount;
        } catch {}
    }

    function requestWithdrawal(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        IProviderRegistry.ProviderInfo memory info = registry.providerInfo(provider);
        amount = _bound(amount, 1, info.stake - info.lockedCollateral + 1);
        _VM.prank(provider);
        try registry.requestWithdrawal(amount) {} catch {}
    }

    function withdraw(uint256 who) external {
        address provider = _provider(who);
        uint256 before = provider.balance;
        _VM.prank(provider);
        try registry.withdraw() {
            ghostWithdrawn += provider.balance - before;
        } catch {}
    }

    function lockCollateral(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        IProviderRegistry.ProviderInfo memory info = registry.providerInfo(provider);
        amount = _bound(amount, 0, info.stake - info.lockedCollateral + 1);
        try registry.lockCollateral(provider, amount) {} catch {}
    }

    function unlockCollateral(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        amount = _bound(amount, 0, registry.providerInfo(provider).lockedCollateral + 1);
        try registry.unlockCollateral(provider, amount) {} catch {}
    }

    function slash(uint256 who, uint256 amount) external {
        address provider = _provider(who);
        IProviderRegistry.ProviderInfo memory info = registry.providerInfo(provider);
        amount = _bound(amount, 0, info.stake + info.exitAmount + 1);
        address[] memory recipients = new address[](1);
        uint256[] memory shares = new uint256[](1);
        recipients[0] = SINK;
        shares[0] = amount;
        try registry.slash(provider, amount, recipients, shares) {
            ghostSlashed += amount;
        } catch {}
    }

    function passTime(uint256 seconds_) external {
        _VM.warp(block.timestamp + _bound(seconds_, 1, 2 hours));
    }

    function providerCount() external pure returns (uint256) {
        return 3;
    }

    function _provider(uint256 who) private view returns (address) {
        return providers[who % 3];
    }

    function _offer() private pure returns (IProviderRegistry.Offer memory) {
        return IProviderRegistry.Offer({
            pricePerBytePerSecond: 1,
            maxCollateralPerByte: 1 ether,
            minDuration: 1,
            maxDuration: 365 days,
            capacity: 1 << 40,
            region: "test",
            infrastructure: "test"
        });
    }

    function _bound(uint256 value, uint256 min, uint256 max) private pure returns (uint256) {
        return min + (value % (max - min + 1));
    }
}
