/** Client actions on the StorageMarket: buy a deal, withdraw its escrow, and the reads they need. */
import { requestIdOf } from "@cairn/node/core";
import { type Config, getChainId, getConnection, readContract } from "@wagmi/core";
import { type Address, type Hex, toHex } from "viem";
import { contractOf } from "../contracts/index.ts";
import {
  type OnStatus,
  sendContractTransaction,
  type TransactionResult,
} from "./send-contract-transaction.ts";

const market = (config: Config) => contractOf("StorageMarket", getChainId(config));

export interface StorageRequestParams {
  /** The dataset manifest's CID bytes. */
  cid: Hex;
  slotRoots: Hex[];
  /** One designated provider per slot (or empty for all open). */
  providers: Address[];
  slotSize: bigint;
  dataSlots: number;
  duration: bigint;
  pricePerBytePerSecond: bigint;
  collateralPerByte: bigint;
  proofProbability: number;
  /** Unix seconds by which every slot must be filled. */
  expiry: bigint;
  /** Exactly slots × slotSize × price × duration, from readRequiredEscrow. */
  escrow: bigint;
}

/** A fresh random nonce: with the client's address it makes the request id. */
export function randomNonce(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

export async function requestStorage(
  config: Config,
  params: StorageRequestParams,
  onStatus?: OnStatus,
): Promise<TransactionResult & { requestId?: Hex }> {
  const nonce = randomNonce();
  const { escrow, ...fields } = params;
  const result = await sendContractTransaction(
    config,
    { ...market(config), functionName: "requestStorage", args: [{ nonce, ...fields }], value: escrow },
    onStatus,
  );
  const client = getConnection(config).address;
  return result.ok && client ? { ...result, requestId: requestIdOf(client, nonce) } : result;
}

/** Takes back what the request's escrow owes its client (after it ended, failed or was cancelled). */
export function withdrawRequest(config: Config, params: { requestId: Hex }, onStatus?: OnStatus) {
  return sendContractTransaction(
    config,
    { ...market(config), functionName: "withdraw", args: [params.requestId] },
    onStatus,
  );
}

export function readMarketConfig(config: Config) {
  return readContract(config, { ...market(config), functionName: "config" });
}

export function readRequestInfo(config: Config, params: { requestId: Hex }) {
  return readContract(config, { ...market(config), functionName: "requestInfo", args: [params.requestId] });
}

export function readSlotInfo(config: Config, params: { slotId: Hex }) {
  return readContract(config, { ...market(config), functionName: "slotInfo", args: [params.slotId] });
}

export function readWithdrawable(config: Config, params: { requestId: Hex }) {
  return readContract(config, { ...market(config), functionName: "withdrawable", args: [params.requestId] });
}

export function readRequiredEscrow(
  config: Config,
  params: { slots: number; slotSize: bigint; pricePerBytePerSecond: bigint; duration: bigint },
) {
  return readContract(config, {
    ...market(config),
    functionName: "requiredEscrow",
    args: [BigInt(params.slots), params.slotSize, params.pricePerBytePerSecond, params.duration],
  });
}
