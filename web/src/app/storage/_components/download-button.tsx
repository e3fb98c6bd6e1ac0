"use client";
/** Reassembles the file from its providers, decrypts it with the user's key, and saves it. */
import { useState } from "react";
import { type Hex, hexToBytes, isHex } from "viem";
import { downloadDataset } from "../../../lib/download.ts";
import type { SavedRequest } from "../../../lib/saved-requests.ts";

export function DownloadButton({
  cid,
  slotApiUrls,
  saved,
}: {
  cid: string;
  slotApiUrls: (string | undefined)[];
  saved: SavedRequest | undefined;
}) {
  const [key, setKey] = useState("");
  const [status, setStatus] = useState("");

  async function download() {
    setStatus("fetching slots…");
    try {
      const trimmed = key.trim();
      if (trimmed !== "" && !(isHex(trimmed) && trimmed.length === 66))
        throw new Error("the key is 0x + 64 hex digits");
      const bytes = await downloadDataset({
        cid,
        slotApiUrls,
        key: trimmed === "" ? undefined : hexToBytes(trimmed as Hex),
        onProgress: (p) => setStatus(`slot ${p.slot}: block ${p.blocks} of ${p.of}`),
      });
      const url = URL.createObjectURL(
        new Blob([bytes as Uint8Array<ArrayBuffer>], { type: saved?.type || "application/octet-stream" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = saved?.name ?? `${cid}.bin`;
      a.click();
      URL.revokeObjectURL(url);
      setStatus(`downloaded ${bytes.length} bytes`);
    } catch (error) {
      setStatus(`download failed: ${(error as Error).message}`);
    }
  }

  return (
    <div>
      <label>
        <span>Encryption key (if encrypted)</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} size={70} placeholder="0x…" />
      </label>
      <button type="button" onClick={download}>
        Download
      </button>{" "}
      <span className="muted">{status}</span>
    </div>
  );
}
