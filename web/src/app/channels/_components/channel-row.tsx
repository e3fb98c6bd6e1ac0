"use client";
/** One channel: its balances and state, and the sender's actions on it. */
import { useState } from "react";
import { type Hex, parseEther } from "viem";
import { TxStatus } from "../../../components/tx-status.tsx";
import {
  useDepositChannel,
  useRequestChannelClose,
  useWithdrawChannelRemainder,
} from "../../../hooks/channels.ts";
import { formatEth, formatTime, shortAddress } from "../../../lib/format.ts";

const STATES = ["None", "Open", "Closing", "Closed"];

export interface ChannelView {
  channelId: Hex;
  recipient: `0x${string}`;
  deposited: bigint;
  paid: bigint;
  closesAt: number;
  state: number;
}

export function ChannelRow({ channel, now }: { channel: ChannelView; now: number }) {
  const deposit = useDepositChannel();
  const close = useRequestChannelClose();
  const withdraw = useWithdrawChannelRemainder();
  const [amount, setAmount] = useState("1");
  const state = STATES[channel.state] ?? String(channel.state);
  return (
    <tr data-testid="channel">
      <td title={channel.channelId}>{shortAddress(channel.channelId)}</td>
      <td title={channel.recipient}>{shortAddress(channel.recipient)}</td>
      <td>{formatEth(channel.deposited)}</td>
      <td>{formatEth(channel.paid)}</td>
      <td>
        {state}
        {channel.state === 2 && <div className="muted">closes {formatTime(channel.closesAt)}</div>}
      </td>
      <td>
        {channel.state === 1 && (
          <>
            <input
              aria-label="deposit amount"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              size={5}
            />
            <button
              type="button"
              disabled={deposit.busy}
              onClick={() => deposit.run({ channelId: channel.channelId, amount: parseEther(amount) })}
            >
              Deposit
            </button>
            <button
              type="button"
              className="secondary"
              disabled={close.busy}
              onClick={() => close.run({ channelId: channel.channelId })}
            >
              Request close
            </button>
          </>
        )}
        {channel.state === 2 && (
          <button
            type="button"
            disabled={withdraw.busy || now < channel.closesAt}
            onClick={() => withdraw.run({ channelId: channel.channelId })}
          >
            Withdraw remainder
          </button>
        )}
        <TxStatus status={deposit.status} label="deposit" />
        <TxStatus status={close.status} label="close" />
        <TxStatus status={withdraw.status} label="withdraw" />
      </td>
    </tr>
  );
}
