"use client";
/** Watches a request on-chain: each slot's host and state, and the request's state as slots fill. */
import { slotIdOf } from "@cairn/node/core";
import type { Hex } from "viem";
import { config } from "../../../config.ts";
import { useReadRequestInfo, useReadSlotInfo } from "../../../hooks/market.ts";
import { shortAddress } from "../../../lib/format.ts";
import { requestStateName, slotStateName } from "../../../lib/request-state.ts";

function SlotRow({ requestId, index, upload }: { requestId: Hex; index: number; upload?: string }) {
  const slot = useReadSlotInfo(slotIdOf(requestId, index), config.pollMs);
  const s = slot.data;
  return (
    <tr data-testid={`slot-${index}`}>
      <td>{index}</td>
      <td>{upload ?? "—"}</td>
      <td>{s ? slotStateName(s.state) : "…"}</td>
      <td title={s && s.state !== 0 ? s.host : undefined}>
        {s && s.state !== 0 ? shortAddress(s.host) : "—"}
      </td>
    </tr>
  );
}

export function RequestProgress({ requestId, uploads }: { requestId: Hex; uploads?: string[] }) {
  const info = useReadRequestInfo(requestId, config.pollMs);
  const r = info.data;
  if (!r) return null;
  return (
    <section aria-label="request progress">
      <h2>
        Request{" "}
        <code title={requestId} data-testid="request-id">
          {shortAddress(requestId)}
        </code>
        : <span data-testid="request-state">{requestStateName(r.state)}</span>
      </h2>
      <p>
        {r.filledSlots} of {r.slots} slots filled
      </p>
      <table>
        <thead>
          <tr>
            <th>Slot</th>
            <th>Upload</th>
            <th>On-chain</th>
            <th>Host</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: r.slots }, (_, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: slots are identified by their index
            <SlotRow key={index} requestId={requestId} index={index} upload={uploads?.[index]} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
