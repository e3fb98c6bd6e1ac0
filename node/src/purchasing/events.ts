/** The typed progress events of a purchase (`options.onProgress` of `buy`, and `subscribe`). */
import type { Hex } from "viem";
import type { PurchaseState } from "./purchase-table.ts";

export type PurchaseProgressEvent =
  | { type: "purchase:state"; detail: { requestId: Hex; state: PurchaseState } }
  | { type: "purchase:slot-bytes"; detail: { requestId: Hex; index: number; sent: number; total: number } }
  | { type: "purchase:slot-pushed"; detail: { requestId: Hex; index: number } }
  | {
      type: "purchase:slot-retry";
      detail: { requestId: Hex; index: number; attempt: number; error: string };
    };
