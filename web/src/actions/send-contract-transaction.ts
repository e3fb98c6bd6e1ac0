/**
 * The one path every write takes: simulate (so a revert is caught before the wallet asks
 * for a signature), send, wait for the receipt, and report each phase so the UI can show
 * pending, confirmed and failed. Failures are returned as plain words, never thrown.
 */
import {
  type Config,
  getConnection,
  simulateContract,
  type SimulateContractParameters,
  waitForTransactionReceipt,
  writeContract,
} from "@wagmi/core";
import type { Abi, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { describeError } from "../contracts/describe-error.ts";

export type TransactionStatus =
  | { phase: "idle" }
  | { phase: "simulating" }
  | { phase: "signing" }
  | { phase: "pending"; hash: Hash }
  | { phase: "confirmed"; hash: Hash; receipt: TransactionReceipt }
  | { phase: "failed"; message: string; hash?: Hash };

export type TransactionResult =
  | { ok: true; hash: Hash; receipt: TransactionReceipt }
  | { ok: false; message: string; hash?: Hash };

export type OnStatus = (status: TransactionStatus) => void;

/** A write as the wrappers describe it: the contract call and its value. */
export type ContractWrite<
  abi extends Abi = Abi,
  name extends ContractFunctionName<abi, "nonpayable" | "payable"> = ContractFunctionName<
    abi,
    "nonpayable" | "payable"
  >,
> = {
  address: `0x${string}`;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
  value?: bigint;
};

export async function sendContractTransaction(
  config: Config,
  write: ContractWrite,
  onStatus: OnStatus = () => {},
): Promise<TransactionResult> {
  let hash: Hash | undefined;
  try {
    const { address: account, chainId } = getConnection(config);
    onStatus({ phase: "simulating" });
    const { request } = await simulateContract(config, {
      ...write,
      account,
      chainId,
    } as SimulateContractParameters);
    onStatus({ phase: "signing" });
    hash = await writeContract(config, request);
    onStatus({ phase: "pending", hash });
    const receipt = await waitForTransactionReceipt(config, { hash, chainId });
    if (receipt.status !== "success") {
      const failed = { ok: false as const, message: "The transaction was mined but reverted.", hash };
      onStatus({ phase: "failed", message: failed.message, hash });
      return failed;
    }
    onStatus({ phase: "confirmed", hash, receipt });
    return { ok: true, hash, receipt };
  } catch (error) {
    const message = describeError(error);
    onStatus({ phase: "failed", message, hash });
    return { ok: false, message, hash };
  }
}
