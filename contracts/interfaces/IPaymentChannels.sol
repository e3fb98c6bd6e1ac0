// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ChannelId} from "../types/ChannelId.sol";

/// @title IPaymentChannels
/// @notice Unidirectional payment channels paid with cumulative EIP-712 vouchers, for
/// retrievals (exchange.md). The sender deposits; the recipient cashes the newest voucher
/// whenever it likes; the sender gets the rest back at close.
///
/// A voucher is the typed data `Voucher(bytes32 channelId,uint256 cumulativeAmount)` under
/// the domain {name: "Cairn PaymentChannels", version: "1", chainId, verifyingContract}.
/// Its amount is the total owed so far, so only the newest voucher matters and no voucher
/// can pay twice.
interface IPaymentChannels {
    /// @notice A signed promise: the channel's recipient is owed `cumulativeAmount` wei in
    /// total.
    struct Voucher {
        ChannelId channelId;
        uint256 cumulativeAmount;
    }

    /// @notice A channel's lifecycle; see the diagram in PaymentChannels.sol.
    enum ChannelState {
        /// @dev No channel has this id.
        None,
        /// @dev Open: deposits and settlements.
        Open,
        /// @dev The sender asked to close; the recipient can still settle until the
        /// delay is over and the sender withdraws.
        Closing,
        /// @dev Closed: the remainder went back to the sender. Nothing more happens.
        Closed
    }

    /// @notice A channel's record.
    struct ChannelInfo {
        address sender;
        address recipient;
        /// @dev Total deposited, in wei.
        uint128 deposited;
        /// @dev Total paid to the recipient, in wei.
        uint128 paid;
        /// @dev Time between `requestClose` and `withdrawRemainder`, in seconds.
        uint32 closeDelay;
        /// @dev When the sender may withdraw the remainder, in unix seconds; 0 while open.
        uint40 closesAt;
        ChannelState state;
    }

    /// @notice Emitted when `sender` opens a channel to `recipient`.
    event ChannelOpened(
        ChannelId indexed channelId,
        address indexed sender,
        address indexed recipient,
        uint256 deposit,
        uint32 closeDelay
    );
    /// @notice Emitted when a channel is topped up; `deposited` is the new total.
    event ChannelDeposited(ChannelId indexed channelId, uint256 amount, uint256 deposited);
    /// @notice Emitted when the recipient cashes a voucher: `payout` now, `paid` in total.
    event ChannelSettled(ChannelId indexed channelId, uint256 payout, uint256 paid);
    /// @notice Emitted when the sender starts the close delay.
    event ChannelCloseRequested(ChannelId indexed channelId, uint40 closesAt);
    /// @notice Emitted when a channel closes and the sender gets `refund` back.
    event ChannelClosed(ChannelId indexed channelId, uint256 refund);

    /// @notice No channel has this id.
    error PaymentChannelsUnknownChannel(ChannelId channelId);
    /// @notice The recipient is the zero address.
    error PaymentChannelsInvalidRecipient(address recipient);
    /// @notice The close delay is longer than `maxCloseDelay`.
    error PaymentChannelsCloseDelayTooLong(uint256 closeDelay, uint256 maxCloseDelay);
    /// @notice A deposit of zero.
    error PaymentChannelsZeroDeposit();
    /// @notice Only the channel's sender may do this.
    error PaymentChannelsNotSender(ChannelId channelId, address caller);
    /// @notice Only the channel's recipient may do this.
    error PaymentChannelsNotRecipient(ChannelId channelId, address caller);
    /// @notice The channel is closed.
    error PaymentChannelsChannelClosed(ChannelId channelId);
    /// @notice The sender already asked to close; the channel closes at `closesAt`.
    error PaymentChannelsCloseAlreadyRequested(ChannelId channelId, uint40 closesAt);
    /// @notice The sender has not asked to close.
    error PaymentChannelsCloseNotRequested(ChannelId channelId);
    /// @notice The close delay runs until `closesAt`.
    error PaymentChannelsCloseDelayNotOver(ChannelId channelId, uint40 closesAt);
    /// @notice The signature is malformed or not the sender's; `signer` is who signed, or
    /// zero when no signer could be recovered.
    error PaymentChannelsInvalidSignature(ChannelId channelId, address signer);
    /// @notice The voucher offers no more than what was `paid` already: a replay or an
    /// older voucher.
    error PaymentChannelsVoucherTooLow(ChannelId channelId, uint256 paid, uint256 offered);
    /// @notice Everything deposited has been paid; the voucher's rest waits for a deposit.
    error PaymentChannelsInsufficientDeposit(ChannelId channelId, uint256 deposited, uint256 offered);

    /// @notice Opens a channel from the caller to `recipient` with the value sent as its
    /// first deposit (which may be zero).
    /// @param closeDelay Seconds between `requestClose` and `withdrawRemainder`, during
    /// which the recipient can still settle. The recipient decides whether it is enough.
    function open(address recipient, uint32 closeDelay) external payable returns (ChannelId channelId);

    /// @notice Adds the value sent to the channel's deposit. Anyone may top up; the
    /// remainder goes to the sender at close.
    function deposit(ChannelId channelId) external payable;

    /// @notice Pays the recipient what the voucher owes beyond what was paid: up to
    /// `cumulativeAmount - paid`, capped by the deposit, so a voucher larger than the deposit
    /// pays the rest after a top-up. Only the recipient; the channel stays open.
    function settle(Voucher calldata voucher, bytes calldata signature) external;

    /// @notice Settles the voucher, then closes the channel and refunds the sender at once.
    /// Only the recipient.
    function closeWithVoucher(Voucher calldata voucher, bytes calldata signature) external;

    /// @notice Starts the close delay. Only the sender.
    function requestClose(ChannelId channelId) external;

    /// @notice After the close delay, closes the channel and refunds the sender what was
    /// not paid. Only the sender.
    function withdrawRemainder(ChannelId channelId) external;

    /// @notice The channel's record.
    function channel(ChannelId channelId) external view returns (ChannelInfo memory);

    /// @notice The id that `sender`'s next `open` will return.
    function nextChannelId(address sender) external view returns (ChannelId);

    /// @notice The EIP-712 digest that the sender signs for `voucher`.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    /// @notice The longest close delay a channel may have, in seconds.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_CLOSE_DELAY() external view returns (uint256);
}
