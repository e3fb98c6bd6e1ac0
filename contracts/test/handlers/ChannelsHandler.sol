// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../Vm.sol";
import {IPaymentChannels} from "../../interfaces/IPaymentChannels.sol";
import {ChannelId} from "../../types/ChannelId.sol";

/// @notice Drives PaymentChannels through random opens, deposits, settlements (with new,
/// replayed and older vouchers), and closes, for the invariant tests. Two senders hold
/// keys so they can sign; two recipients cash vouchers.
contract ChannelsHandler {
    Vm private constant _VM = Vm(VM_ADDRESS);

    IPaymentChannels public immutable channels;
    uint256[2] private _senderKeys = [uint256(0xA11CE), uint256(0xB0B)];
    address[2] public recipients = [address(0x7001), address(0x7002)];

    ChannelId[] public opened;
    /// @notice What each recipient was paid, as the handler saw its balance change.
    mapping(address recipient => uint256) public received;
    /// @notice Set if a voucher paid beyond what its signer owed, or twice.
    bool public paidTwice;

    constructor(IPaymentChannels channels_) {
        channels = channels_;
    }

    function open(uint256 senderSeed, uint256 recipientSeed, uint256 amount) external {
        address sender = _VM.addr(_senderKeys[senderSeed % 2]);
        amount = amount % 10 ether;
        _VM.deal(sender, amount);
        _VM.prank(sender);
        opened.push(channels.open{value: amount}(recipients[recipientSeed % 2], 1 hours));
    }

    function deposit(uint256 channelSeed, uint256 amount) external {
        if (opened.length == 0) return;
        amount = 1 + (amount % 5 ether);
        _VM.deal(address(this), amount);
        try channels.deposit{value: amount}(opened[channelSeed % opened.length]) {} catch {}
    }

    /// @notice Cashes a voucher for `paid + delta - back`: new vouchers, replays, older ones.
    function settle(uint256 channelSeed, uint256 delta, uint256 back, bool close) external {
        if (opened.length == 0) return;
        ChannelId channelId = opened[channelSeed % opened.length];
        IPaymentChannels.ChannelInfo memory info = channels.channel(channelId);
        uint256 offered = info.paid + (delta % 3 ether);
        offered -= (back % 4 == 0) ? offered % 1 ether : 0; // now and then an older voucher
        IPaymentChannels.Voucher memory voucher = IPaymentChannels.Voucher(channelId, offered);
        (uint8 v, bytes32 r, bytes32 s) = _VM.sign(_keyOf(info.sender), channels.hashVoucher(voucher));
        uint256 before = info.recipient.balance;
        _VM.prank(info.recipient);
        if (close) {
            try channels.closeWithVoucher(voucher, abi.encodePacked(r, s, v)) {} catch {}
        } else {
            try channels.settle(voucher, abi.encodePacked(r, s, v)) {} catch {}
        }
        uint256 gained = info.recipient.balance - before;
        received[info.recipient] += gained;
        // A payout must come from a voucher above what was paid, and stay within it.
        if (gained > 0 && (offered <= info.paid || info.paid + gained > offered)) paidTwice = true;
    }

    function requestClose(uint256 channelSeed) external {
        if (opened.length == 0) return;
        ChannelId channelId = opened[channelSeed % opened.length];
        _VM.prank(channels.channel(channelId).sender);
        try channels.requestClose(channelId) {} catch {}
    }

    function withdrawRemainder(uint256 channelSeed) external {
        if (opened.length == 0) return;
        ChannelId channelId = opened[channelSeed % opened.length];
        _VM.prank(channels.channel(channelId).sender);
        try channels.withdrawRemainder(channelId) {} catch {}
    }

    function passTime(uint256 seconds_) external {
        _VM.warp(block.timestamp + 1 + (seconds_ % 2 hours));
    }

    function openedCount() external view returns (uint256) {
        return opened.length;
    }

    function _keyOf(address sender) private view returns (uint256) {
        return _VM.addr(_senderKeys[0]) == sender ? _senderKeys[0] : _senderKeys[1];
    }
}
