// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InvariantTest} from "../../contracts/test/InvariantTest.sol";
import {Test} from "../../contracts/test/Test.sol";
import {ChannelsHandler} from "../../contracts/test/handlers/ChannelsHandler.sol";
import {IPaymentChannels} from "../../contracts/interfaces/IPaymentChannels.sol";
import {PaymentChannels} from "../../contracts/PaymentChannels.sol";
import {ChannelId} from "../../contracts/types/ChannelId.sol";

/// @notice Invariant and fuzz tests of the channels: the balance is exactly the deposits
/// not yet paid or refunded, a channel never pays more than deposited, and no voucher
/// pays twice.
contract PaymentChannelsTest is Test, InvariantTest {
    PaymentChannels private _channels;
    ChannelsHandler private _handler;
    uint256 private constant _SENDER_KEY = 0x5E4D;
    address private constant _RECIPIENT = address(0xFEED);

    function setUp() public {
        _channels = new PaymentChannels();
        _handler = new ChannelsHandler(_channels);
        targetContract(address(_handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = ChannelsHandler.open.selector;
        selectors[1] = ChannelsHandler.deposit.selector;
        selectors[2] = ChannelsHandler.settle.selector;
        selectors[3] = ChannelsHandler.settle.selector; // settling is what channels are for
        selectors[4] = ChannelsHandler.requestClose.selector;
        selectors[5] = ChannelsHandler.withdrawRemainder.selector;
        selectors[6] = ChannelsHandler.passTime.selector;
        targetSelector(FuzzSelector({addr: address(_handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 40
    function invariant_balanceEqualsUnpaidDeposits() public view {
        uint256 owed = 0;
        uint256[2] memory paidTo;
        for (uint256 i = 0; i < _handler.openedCount(); ++i) {
            IPaymentChannels.ChannelInfo memory info = _channels.channel(_handler.opened(i));
            assertLe(info.paid, info.deposited, "paid <= deposited");
            if (info.state != IPaymentChannels.ChannelState.Closed) owed += info.deposited - info.paid;
            paidTo[info.recipient == _handler.recipients(0) ? 0 : 1] += info.paid;
        }
        assertEq(address(_channels).balance, owed, "channels balance");
        assertEq(_handler.received(_handler.recipients(0)), paidTo[0], "recipient 0 got exactly what was paid");
        assertEq(_handler.received(_handler.recipients(1)), paidTo[1], "recipient 1 got exactly what was paid");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 40
    function invariant_noVoucherPaysTwice() public view {
        assertFalse(_handler.paidTwice(), "a voucher paid twice or beyond its amount");
    }

    /// @notice The handler's calls get through, so the invariant runs explore real states.
    function test_handler_settlesAndCloses() public {
        _handler.open(0, 0, 2 ether);
        _handler.settle(0, 0.5 ether, 1, false);
        _handler.settle(0, 0.5 ether, 1, false);
        assertEq(_handler.received(_handler.recipients(0)), 1 ether, "two vouchers paid");
        _handler.settle(0, 0, 1, false); // a replay of the last voucher: refused
        _handler.requestClose(0);
        _handler.passTime(1 hours);
        _handler.withdrawRemainder(0);
        assertEq(uint256(_channels.channel(_handler.opened(0)).state), 3, "closed");
        assertEq(address(_channels).balance, 0, "refunded");
    }

    /// @notice Any sequence of vouchers pays exactly the highest amount seen, capped by
    /// the deposit.
    function testFuzz_settle(uint96 depositAmount, uint96[6] calldata amounts) public {
        ChannelId channelId = _open(depositAmount);
        uint256 paid = 0;
        for (uint256 i = 0; i < amounts.length; ++i) {
            uint256 offered = amounts[i];
            bytes memory signature = _sign(_SENDER_KEY, channelId, offered);
            vm.prank(_RECIPIENT);
            if (offered <= paid) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IPaymentChannels.PaymentChannelsVoucherTooLow.selector, channelId, paid, offered
                    )
                );
            } else if (paid == depositAmount) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IPaymentChannels.PaymentChannelsInsufficientDeposit.selector,
                        channelId,
                        uint256(depositAmount),
                        offered
                    )
                );
            }
            _channels.settle(IPaymentChannels.Voucher(channelId, offered), signature);
            if (offered > paid && paid < depositAmount) paid = offered < depositAmount ? offered : depositAmount;
            assertEq(_RECIPIENT.balance, paid, "recipient paid the highest voucher, capped by the deposit");
        }
    }

    /// @notice A voucher signed by anyone but the sender is refused, naming its signer.
    function testFuzz_settle_rejectsOtherSigners(uint256 key, uint96 amount) public {
        key = bound(key, 1, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140);
        vm.assume(key != _SENDER_KEY);
        amount = uint96(bound(amount, 1, 1 ether));
        ChannelId channelId = _open(1 ether);
        bytes memory signature = _sign(key, channelId, amount);
        address signer = vm.addr(key);
        vm.prank(_RECIPIENT);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, channelId, signer)
        );
        _channels.settle(IPaymentChannels.Voucher(channelId, amount), signature);
    }

    function test_closeWithVoucher_refundsTheRest() public {
        ChannelId channelId = _open(1 ether);
        bytes memory signature = _sign(_SENDER_KEY, channelId, 0.25 ether);
        vm.prank(_RECIPIENT);
        _channels.closeWithVoucher(IPaymentChannels.Voucher(channelId, 0.25 ether), signature);
        assertEq(_RECIPIENT.balance, 0.25 ether, "recipient");
        assertEq(vm.addr(_SENDER_KEY).balance, 0.75 ether, "sender refunded");
        assertEq(address(_channels).balance, 0, "nothing left");
    }

    function _open(uint256 amount) private returns (ChannelId channelId) {
        address sender = vm.addr(_SENDER_KEY);
        vm.deal(sender, amount);
        vm.prank(sender);
        channelId = _channels.open{value: amount}(_RECIPIENT, 1 hours);
    }

    function _sign(uint256 key, ChannelId channelId, uint256 amount) private view returns (bytes memory) {
        bytes32 digest = _channels.hashVoucher(IPaymentChannels.Voucher(channelId, amount));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
