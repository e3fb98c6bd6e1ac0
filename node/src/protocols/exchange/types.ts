import type { AbortOptions } from "@libp2p/interface";
import type { CID } from "multiformats/cid";

/** What the exchange needs of a block store; `FsBlockstore` provides it. */
export interface ExchangeBlockstore {
  has(cid: CID, options?: AbortOptions): Promise<boolean>;
  /** One block's bytes; rejects when the block is absent. */
  getBytes(cid: CID, options?: AbortOptions): Promise<Uint8Array>;
  put(cid: CID, bytes: Uint8Array, options?: AbortOptions): Promise<CID>;
}

/** A provider's answer to a want-have. */
export interface Presence {
  cid: CID;
  have: boolean;
  /** Price per block the provider quoted (wei). */
  price: bigint;
}
