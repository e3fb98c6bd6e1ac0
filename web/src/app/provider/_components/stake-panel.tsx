"use client";
/** The registered provider's stake: add, request a withdrawal, withdraw after unbonding, pause/resume. */
import { useState } from "react";
import { type Address, parseEther } from "viem";
import { TxStatus } from "../../../components/tx-status.tsx";
import {
  useAddStake,
  usePauseProvider,
  useReadProviderInfo,
  useRequestWithdrawal,
  useResumeProvider,
  useWithdrawStake,
} from "../../../hooks/registry.ts";
import { formatEth, formatTime } from "../../../lib/format.ts";

export function StakePanel({ provider }: { provider: Address }) {
  const info = useReadProviderInfo(provider);
  const add = useAddStake();
  const request = useRequestWithdrawal();
  const withdraw = useWithdrawStake();
  const pause = usePauseProvider();
  const resume = useResumeProvider();
  const [addAmount, setAddAmount] = useState("1");
  const [exitAmount, setExitAmount] = useState("1");
  const p = info.data;
  if (!p) return null;
  const now = Date.now() / 1000;
  return (
    <section aria-label="stake">
      <h2>Stake</h2>
      <div className="grid" data-testid="stake">
        <div className="stat">
          <span className="muted">Stake</span>
          <b>{formatEth(p.stake)}</b>
        </div>
        <div className="stat">
          <span className="muted">Locked as collateral</span>
          <b>{formatEth(p.lockedCollateral)}</b>
        </div>
        <div className="stat">
          <span className="muted">Free</span>
          <b>{formatEth(p.stake - p.lockedCollateral)}</b>
        </div>
        <div className="stat">
          <span className="muted">Unbonding</span>
          <b>{formatEth(p.exitAmount)}</b>
          {p.exitAmount > 0n && <span className="muted">unlocks {formatTime(p.exitUnlocksAt)}</span>}
        </div>
        <div className="stat">
          <span className="muted">Status</span>
          <b data-testid="provider-status">
            {p.paused ? "paused" : p.activeFrom > now ? "activating" : "active"}
          </b>
          {p.activeFrom > now && <span className="muted">from {formatTime(p.activeFrom)}</span>}
        </div>
      </div>
      <label>
        <span>Add stake (ETH)</span>
        <input name="addStake" value={addAmount} onChange={(e) => setAddAmount(e.target.value)} />{" "}
        <button type="button" disabled={add.busy} onClick={() => add.run({ amount: parseEther(addAmount) })}>
          Add stake
        </button>
      </label>
      <TxStatus status={add.status} label="add stake" />
      <label>
        <span>Withdraw (ETH)</span>
        <input name="exitAmount" value={exitAmount} onChange={(e) => setExitAmount(e.target.value)} />{" "}
        <button
          type="button"
          disabled={request.busy}
          onClick={() => request.run({ amount: parseEther(exitAmount) })}
        >
          Request withdrawal
        </button>
        <button type="button" disabled={withdraw.busy || p.exitAmount === 0n} onClick={() => withdraw.run()}>
          Withdraw unbonded
        </button>
      </label>
      <TxStatus status={request.status} label="request withdrawal" />
      <TxStatus status={withdraw.status} label="withdraw" />
      {p.paused ? (
        <button type="button" disabled={resume.busy} onClick={() => resume.run()}>
          Resume
        </button>
      ) : (
        <button type="button" className="secondary" disabled={pause.busy} onClick={() => pause.run()}>
          Pause (take no new slots)
        </button>
      )}
      <TxStatus status={pause.status} label="pause" />
      <TxStatus status={resume.status} label="resume" />
    </section>
  );
}
