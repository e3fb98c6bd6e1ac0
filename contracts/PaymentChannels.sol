// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPaymentChannels} from "./interfaces/IPaymentChannels.sol";
import {ChannelId, ChannelIds} from "./types/ChannelId.sol";

/// @title PaymentChannels
/// @notice One-way channels for paying retrievals with cumulative EIP-712 vouchers, after
/// Swarm's chequebook and Filecoin's payment-channel actor.
///
///           open           requestClose (sender)           withdrawRemainder
///   None --------> Open ----------------------> Closing ---- (sender, after -----> Closed
///                   |   deposit, settle                 deposit, settle  closeDelay)     ^
///                   |                                                                   |
///                   +------------------ closeWithVoucher (recipient) -------------------+
///                                       (from Open or Closing)
///
/// Decisions:
/// - A voucher pays at most what is deposited; the rest of the same voucher pays after a
///   top-up. So an under-funded voucher is not lost, and `paid` never exceeds `deposited`.
/// - Only the recipient settles, so a payout always goes to the caller: a pull.
/// - `closeWithVoucher` refunds the sender at once, as the spec says. A sender that refuses
///   the refund blocks only that path; the recipient can still `settle`.
/// - The domain separator binds chain id and contract, so a voucher for another chain or
///   another deployment recovers a different signer and fails.
contract PaymentChannels is IPaymentChannels, EIP712, ReentrancyGuard {
    /// @dev Storage per channel: three words.
    struct Channel {
        address sender;
        uint40 closesAt; // unix seconds; 0 while open
        uint32 closeDelay; // seconds
        bool closed;
        address recipient;
        uint128 deposited; // wei, total
        uint128 paid; // wei, total
    }

    /// @inheritdoc IPaymentChannels
    uint256 public constant MAX_CLOSE_DELAY = 365 days;

    /// @dev keccak256 of the voucher's EIP-712 type string.
    bytes32 private constant _VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint256 cumulativeAmount)");

    mapping(ChannelId channelId => Channel) private _channels;
    mapping(address sender => uint256) private _openedChannels;

    constructor() EIP712("Cairn PaymentChannels", "1") {}

    /// @inheritdoc IPaymentChannels
    function open(address recipient, uint32 closeDelay) external payable returns (ChannelId channelId) {
        if (recipient == address(0)) revert PaymentChannelsInvalidRecipient(recipient);
        if (closeDelay > MAX_CLOSE_DELAY) revert PaymentChannelsCloseDelayTooLong(closeDelay, MAX_CLOSE_DELAY);
        channelId = ChannelIds.derive(msg.sender, _openedChannels[msg.sender]++);
        Channel storage channelRecord = _channels[channelId];
        channelRecord.sender = msg.sender;
        channelRecord.closeDelay = closeDelay;
        channelRecord.recipient = recipient;
        channelRecord.deposited = SafeCast.toUint128(msg.value);
        emit ChannelOpened(channelId, msg.sender, recipient, msg.value, closeDelay);
    }

    /// @inheritdoc IPaymentChannels
    function deposit(ChannelId channelId) external payable {
        Channel storage channelRecord = _openChannel(channelId);
        if (msg.value == 0) revert PaymentChannelsZeroDeposit();
        uint128 deposited = channelRecord.deposited + SafeCast.toUint128(msg.value);
        channelRecord.deposited = deposited;
        emit ChannelDeposited(channelId, msg.value, deposited);
    }

    /// @inheritdoc IPaymentChannels
    function settle(Voucher calldata voucher, bytes calldata signature) external nonReentrant {
        Channel storage channelRecord = _openChannel(voucher.channelId);
        uint256 payout = _settle(channelRecord, voucher, signature);
        Address.sendValue(payable(msg.sender), payout);
    }

    /// @inheritdoc IPaymentChannels
    function closeWithVoucher(Voucher calldata voucher, bytes calldata signature) external nonReentrant {
        Channel storage channelRecord = _openChannel(voucher.channelId);
        uint256 payout = _settle(channelRecord, voucher, signature);
        uint256 refund = _close(voucher.channelId, channelRecord);
        Address.sendValue(payable(msg.sender), payout);
        Address.sendValue(payable(channelRecord.sender), refund);
    }

    /// @inheritdoc IPaymentChannels
    function requestClose(ChannelId channelId) external {
        Channel storage channelRecord = _openChannel(channelId);
        if (msg.sender != channelRecord.sender) revert PaymentChannelsNotSender(channelId, msg.sender);
        if (channelRecord.closesAt != 0) {
            revert PaymentChannelsCloseAlreadyRequested(channelId, channelRecord.closesAt);
        }
        uint40 closesAt = uint40(block.timestamp + channelRecord.closeDelay);
        channelRecord.closesAt = closesAt;
        emit ChannelCloseRequested(channelId, closesAt);
    }

    /// @inheritdoc IPaymentChannels
    function withdrawRemainder(ChannelId channelId) external nonReentrant {
        Channel storage channelRecord = _openChannel(channelId);
        if (msg.sender != channelRecord.sender) revert PaymentChannelsNotSender(channelId, msg.sender);
        uint40 closesAt = channelRecord.closesAt;
        if (closesAt == 0) revert PaymentChannelsCloseNotRequested(channelId);
        if (block.timestamp < closesAt) revert PaymentChannelsCloseDelayNotOver(channelId, closesAt);
        uint256 refund = _close(channelId, channelRecord);
        Address.sendValue(payable(msg.sender), refund);
    }

    /// @inheritdoc IPaymentChannels
    function channel(ChannelId channelId) external view returns (ChannelInfo memory) {
        Channel storage channelRecord = _channels[channelId];
        ChannelState state = ChannelState.Open;
        if (channelRecord.sender == address(0)) state = ChannelState.None;
        else if (channelRecord.closed) state = ChannelState.Closed;
        else if (channelRecord.closesAt != 0) state = ChannelState.Closing;
        return ChannelInfo({
            sender: channelRecord.sender,
            recipient: channelRecord.recipient,
            deposited: channelRecord.deposited,
            paid: channelRecord.paid,
            closeDelay: channelRecord.closeDelay,
            closesAt: channelRecord.closesAt,
            state: state
        });
    }

    /// @inheritdoc IPaymentChannels
    function nextChannelId(address sender) external view returns (ChannelId) {
        return ChannelIds.derive(sender, _openedChannels[sender]);
    }

    /// @inheritdoc IPaymentChannels
    function hashVoucher(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_VOUCHER_TYPEHASH, voucher.channelId, voucher.cumulativeAmount)));
    }

    /// @dev The channel, which must exist and not be closed.
    function _openChannel(ChannelId channelId) private view returns (Channel storage channelRecord) {
        channelRecord = _channels[channelId];
        if (channelRecord.sender == address(0)) revert PaymentChannelsUnknownChannel(channelId);
        if (channelRecord.closed) revert PaymentChannelsChannelClosed(channelId);
    }

    /// @dev Checks the voucher and books its payout to the recipient (the caller); the
    /// caller sends it.
    function _settle(Channel storage channelRecord, Voucher calldata voucher, bytes calldata signature)
        private
        returns (uint256 payout)
    {
        ChannelId channelId = voucher.channelId;
        if (msg.sender != channelRecord.recipient) revert PaymentChannelsNotRecipient(channelId, msg.sender);
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(hashVoucher(voucher), signature);
        if (error != ECDSA.RecoverError.NoError || signer != channelRecord.sender) {
            revert PaymentChannelsInvalidSignature(channelId, signer);
        }
        uint256 paid = channelRecord.paid;
        uint256 offered = voucher.cumulativeAmount;
        if (offered <= paid) revert PaymentChannelsVoucherTooLow(channelId, paid, offered);
        uint256 deposited = channelRecord.deposited;
        if (deposited == paid) revert PaymentChannelsInsufficientDeposit(channelId, deposited, offered);
        // paid < payable total <= deposited < 2^128.
        uint256 newPaid = Math.min(offered, deposited);
        channelRecord.paid = uint128(newPaid);
        payout = newPaid - paid;
        emit ChannelSettled(channelId, payout, newPaid);
    }

    /// @dev Closes the channel and returns the sender's refund, which the caller sends.
    function _close(ChannelId channelId, Channel storage channelRecord) private returns (uint256 refund) {
        refund = channelRecord.deposited - channelRecord.paid;
        channelRecord.closed = true;
        emit ChannelClosed(channelId, refund);
    }
}
