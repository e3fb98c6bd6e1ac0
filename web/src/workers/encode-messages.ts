/** The messages between the page and the encode worker (workers/encode.worker.ts). */

export interface EncodeRequest {
  file: Blob;
  k: number;
  m: number;
  /** 32-byte AES-256-GCM key; absent for no encryption. */
  key?: Uint8Array;
}

export interface EncodedDataset {
  /** The dataset manifest's CID bytes (what goes on-chain as `cid`). */
  manifestCid: Uint8Array;
  manifestBytes: Uint8Array;
  /** 0x-hex slot roots, one per slot (n). */
  slotRoots: `0x${string}`[];
  /** Each slot's bytes: block i of every stripe, back to back. */
  slots: Uint8Array[];
  /** Bytes per slot (stripes × 256 KiB). */
  slotSize: number;
  /** Bytes of the stored file (the ciphertext when encrypted). */
  storedSize: number;
  encrypted: boolean;
}

export type EncodeMessage =
  | { type: "progress"; bytes: number; stripes: number }
  | { type: "done"; dataset: EncodedDataset }
  | { type: "error"; message: string };
