"use client";
import { useState } from "react";
import { type Address, isAddress, parseEther } from "viem";
import { TxStatus } from "../../../components/tx-status.tsx";
import { useOpenChannel } from "../../../hooks/channels.ts";

export function OpenChannelForm() {
  const open = useOpenChannel();
  const [recipient, setRecipient] = useState("");
  const [deposit, setDeposit] = useState("1");
  const [delay, setDelay] = useState("3600");
  const [error, setError] = useState("");
  async function submit() {
    setError("");
    if (!isAddress(recipient)) return setError("The recipient must be an address (0x + 40 hex digits).");
    await open.run({
      recipient: recipient as Address,
      closeDelay: Number(delay),
      deposit: parseEther(deposit),
    });
  }
  return (
    <section aria-label="open channel">
      <h2>Open a channel</h2>
      <label>
        <span>Recipient (a provider)</span>
        <input name="recipient" value={recipient} onChange={(e) => setRecipient(e.target.value)} size={44} />
      </label>
      <label>
        <span>Deposit (ETH)</span>
        <input name="deposit" value={deposit} onChange={(e) => setDeposit(e.target.value)} />
      </label>
      <label>
        <span>Close delay (seconds)</span>
        <input name="closeDelay" value={delay} onChange={(e) => setDelay(e.target.value)} />
      </label>
      <button type="button" disabled={open.busy} onClick={submit}>
        Open channel
      </button>
      {error && <p className="bad">{error}</p>}
      <TxStatus status={open.status} label="open" />
    </section>
  );
}
