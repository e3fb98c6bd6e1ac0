/** Payment-channel actions for the sender: open, top up, ask to close, take the rest back. */
import { type Config, getChainId, getPublicClient, readContract } from "@wagmi/core";
import type { Address, Hex } from "viem";
import { contractOf, deploymentBlock, UnsupportedChainError } from "../contracts/index.ts";
import { type OnStatus, sendContractTransaction } from "./send-contract-transaction.ts";

const channels = (config: Config) => contractOf("PaymentChannels", getChainId(config));

export function openChannel(
  config: Config,
  params: { recipient: Address; closeDelay: number; deposit: bigint },
  onStatus?: OnStatus,
) {
  return sendContractTransaction(
    config,
    {
      ...channels(config),
      functionName: "open",
      args: [params.recipient, params.closeDelay],
      value: params.deposit,
    },
    onStatus,
  );
}

export function depositChannel(
  config: Config,
  params: { channelId: Hex; amount: bigint },
  onStatus?: OnStatus,
) {
  return sendContractTransaction(
    config,
    { ...channels(config), functionName: "deposit", args: [params.channelId], value: params.amount },
    onStatus,
  );
}

export function requestChannelClose(config: Config, params: { channelId: Hex }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...channels(config), functionName: "requestClose", args: [params.channelId] },
    onStatus,
  );
}

export function withdrawChannelRemainder(config: Config, params: { channelId: Hex }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...channels(config), functionName: "withdrawRemainder", args: [params.channelId] },
    onStatus,
  );
}

export function readChannel(config: Config, params: { channelId: Hex }) {
  return readContract(config, { ...channels(config), functionName: "channel", args: [params.channelId] });
}

/** The channels `sender` opened, from the ChannelOpened logs, each with its current record. */
export async function listChannels(config: Config, params: { sender: Address }) {
  const chainId = getChainId(config);
  const client = getPublicClient(config, { chainId });
  if (client === undefined) throw new UnsupportedChainError(chainId);
  const contract = channels(config);
  const logs = await client.getContractEvents({
    ...contract,
    eventName: "ChannelOpened",
    args: { sender: params.sender },
    fromBlock: deploymentBlock("PaymentChannels", chainId),
  });
  return Promise.all(
    logs.map(async (log) => {
      const channelId = log.args.channelId as Hex;
      return { channelId, ...(await readChannel(config, { channelId })) };
    }),
  );
}
