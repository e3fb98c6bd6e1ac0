/**
 * The StorageMarket reads purchasing needs: its config, the escrow view, a request's and
 * a slot's records, and the chain's clock (block time, which is what `expiry` and `endsAt`
 * are measured in, not the node's wall clock).
 */
import type { Address, Hex, PublicClient } from "viem";
import { storageMarketAbi } from "../generated/contracts.ts";

/** `IStorageMarket.RequestState`, by its enum index. */
export const REQUEST_STATES = ["None", "New", "Started", "Finished", "Failed", "Cancelled"] as const;
export type OnChainRequestState = (typeof REQUEST_STATES)[number];

/** `IStorageMarket.SlotState`, by its enum index. */
export const SLOT_STATES = ["Free", "Filled", "Repair", "Collected"] as const;
export type OnChainSlotState = (typeof SLOT_STATES)[number];

export interface MarketLimits {
  maxDuration: bigint;
  maxSlots: number;
  minSlotSize: bigint;
  maxSlotSize: bigint;
  cellSize: number;
}

export interface OnChainRequest {
  state: OnChainRequestState;
  slots: number;
  filledSlots: number;
  withdrawn: boolean;
  expiry: number;
  endsAt: number;
}

export interface OnChainSlot {
  state: OnChainSlotState;
  host: Address;
}

type Client = Pick<PublicClient, "readContract" | "getBlock">;

export class MarketReader {
  private readonly client: Client;
  readonly address: Address;
  private limits: MarketLimits | undefined;

  constructor(client: Client, market: Address) {
    this.client = client;
    this.address = market;
  }

  private read<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.client.readContract({
      address: this.address,
      abi: storageMarketAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  }

  /** The market's fixed bounds (read once: the config never changes). */
  async config(): Promise<MarketLimits> {
    if (this.limits === undefined) {
      const c = await this.read<{
        maxDuration: bigint;
        maxSlots: number;
        minSlotSize: bigint;
        maxSlotSize: bigint;
        cellSize: number;
      }>("config");
      this.limits = {
        maxDuration: BigInt(c.maxDuration),
        maxSlots: Number(c.maxSlots),
        minSlotSize: BigInt(c.minSlotSize),
        maxSlotSize: BigInt(c.maxSlotSize),
        cellSize: Number(c.cellSize),
      };
    }
    return this.limits;
  }

  /** The escrow `requestStorage` must be sent with, from the contract's own view. */
  requiredEscrow(slots: number, slotSize: bigint, price: bigint, duration: bigint): Promise<bigint> {
    return this.read<bigint>("requiredEscrow", [BigInt(slots), slotSize, price, duration]);
  }

  async request(requestId: Hex): Promise<OnChainRequest> {
    const info = await this.read<{
      state: number;
      slots: number;
      filledSlots: number;
      withdrawn: boolean;
      expiry: number;
      endsAt: number;
    }>("requestInfo", [requestId]);
    return {
      state: REQUEST_STATES[Number(info.state)] ?? "None",
      slots: Number(info.slots),
      filledSlots: Number(info.filledSlots),
      withdrawn: info.withdrawn,
      expiry: Number(info.expiry),
      endsAt: Number(info.endsAt),
    };
  }

  async slot(slotId: Hex): Promise<OnChainSlot> {
    const info = await this.read<{ state: number; host: Address }>("slotInfo", [slotId]);
    return { state: SLOT_STATES[Number(info.state)] ?? "Free", host: info.host };
  }

  withdrawable(requestId: Hex): Promise<bigint> {
    return this.read<bigint>("withdrawable", [requestId]);
  }

  /** The latest block's timestamp, unix s. */
  async now(): Promise<number> {
    const block = await this.client.getBlock({ blockTag: "latest" });
    return Number(block.timestamp);
  }
}
