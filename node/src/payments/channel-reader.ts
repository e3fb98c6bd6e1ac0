/**
 * Reads a payment channel's state from PaymentChannels. Both sides use it: the provider
 * to check who a channel pays and how much it holds, the client to reconcile what it
 * persisted with what the chain says after a restart.
 */
import type { Address, Hex, PublicClient } from "viem";
import { paymentChannelsAbi } from "../generated/contracts.ts";

/** The contract's `ChannelState` enum. */
export type ChannelState = "none" | "open" | "closing" | "closed";

const STATES: readonly ChannelState[] = ["none", "open", "closing", "closed"];

export interface ChannelInfo {
  sender: Address;
  recipient: Address;
  /** wei, total deposited */
  deposited: bigint;
  /** wei, total settled to the recipient */
  paid: bigint;
  /** unix seconds; 0 while open */
  closesAt: number;
  state: ChannelState;
}

export interface ChannelReader {
  readChannel(channelId: Hex): Promise<ChannelInfo>;
  /** The id the sender's next `open` will get. */
  nextChannelId(sender: Address): Promise<Hex>;
}

/** A `ChannelReader` over a viem public client. */
export function contractChannelReader(
  client: Pick<PublicClient, "readContract">,
  address: Address,
): ChannelReader {
  return {
    async readChannel(channelId) {
      const info = await client.readContract({
        address,
        abi: paymentChannelsAbi,
        functionName: "channel",
        args: [channelId],
      });
      return {
        sender: info.sender,
        recipient: info.recipient,
        deposited: info.deposited,
        paid: info.paid,
        closesAt: Number(info.closesAt),
        state: STATES[info.state] ?? "none",
      };
    },
    async nextChannelId(sender) {
      return client.readContract({
        address,
        abi: paymentChannelsAbi,
        functionName: "nextChannelId",
        args: [sender],
      });
    },
  };
}
