"use client";
/** One line that says where a transaction is: simulating, waiting for the wallet, pending, done, failed. */
import type { TransactionStatus } from "../actions/send-contract-transaction.ts";

export function TxStatus({ status, label }: { status: TransactionStatus; label?: string }) {
  if (status.phase === "idle") return null;
  const prefix = label ? `${label}: ` : "";
  const text = {
    simulating: <span className="muted">{prefix}simulating…</span>,
    signing: <span className="muted">{prefix}waiting for your wallet to sign…</span>,
    pending: <span className="warn">{prefix}pending</span>,
    confirmed: <span className="ok">{prefix}confirmed</span>,
    failed: <span className="bad">{prefix}failed</span>,
  }[status.phase];
  return (
    <div className="tx" role="status" data-phase={status.phase}>
      {text}
      {"hash" in status && status.hash && <code className="muted"> {status.hash.slice(0, 18)}…</code>}
      {status.phase === "failed" && <div className="bad">{status.message}</div>}
    </div>
  );
}
