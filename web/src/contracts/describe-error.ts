/**
 * Turns whatever a wallet, viem or a contract threw into one sentence for the user: a
 * custom error decoded with the generated ABIs and worded by ERROR_MESSAGES, a rejection in
 * the wallet, missing funds, a wrong chain; a stack trace never reaches the screen.
 */
import { abis } from "@cairn/node/contracts";
import {
  type Abi,
  BaseError,
  ChainMismatchError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  hexToString,
  InsufficientFundsError,
  UserRejectedRequestError,
} from "viem";
import { formatEth, formatTime } from "../lib/format.ts";
import { type ContractErrorName, ERROR_MESSAGES } from "./error-messages.ts";

/** Every error of every contract, so a revert decodes whichever contract raised it. */
const ALL_ERRORS: Abi = Object.values(abis).flatMap((abi) => abi.filter((item) => item.type === "error"));

const REQUEST_STATES = ["none", "new", "started", "finished", "failed", "cancelled"];
/** Arguments that are amounts of wei, and ones that are unix times, by name. */
const WEI_ARGS = new Set(
  "balance needed free stake minStake available amount locked required sent deposited offered paid".split(
    " ",
  ),
);
const TIME_ARGS = new Set(["unlocksAt", "activeFrom", "closesAt"]);

function formatArg(name: string, value: unknown): string {
  if (typeof value === "bigint" && WEI_ARGS.has(name)) return formatEth(value);
  if ((typeof value === "bigint" || typeof value === "number") && TIME_ARGS.has(name))
    return formatTime(value);
  if (name === "state" && (typeof value === "number" || typeof value === "bigint"))
    return REQUEST_STATES[Number(value)] ?? String(value);
  // StorageMarket names the offending field as a bytes32 string.
  if (name === "field" && typeof value === "string" && value.startsWith("0x"))
    return hexToString(value as Hex, { size: 32 }).replace(/\0+$/, "");
  return String(value);
}

/** The message for error `name` with its arguments (in ABI order) filled in. */
export function describeContractError(name: string, args: readonly unknown[] = []): string {
  const template = ERROR_MESSAGES[name as ContractErrorName];
  if (template === undefined) return `The contract refused the transaction (${name}).`;
  const item = ALL_ERRORS.find((e) => e.type === "error" && e.name === name);
  const inputs = item?.type === "error" ? item.inputs : [];
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const index = inputs.findIndex((input) => input.name === key);
    return index === -1 || index >= args.length ? whole : formatArg(key, args[index]);
  });
}

/** Decodes raw revert data (0x + selector + arguments) with the contracts' ABIs. */
export function describeRevertData(data: Hex): string | undefined {
  try {
    const decoded = decodeErrorResult({ abi: ALL_ERRORS, data });
    return describeContractError(decoded.errorName, decoded.args ?? []);
  } catch {
    return undefined;
  }
}

function findRevertData(error: BaseError): Hex | undefined {
  let found: Hex | undefined;
  error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) found = data as Hex;
    return false;
  });
  return found;
}

export function describeError(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName) return describeContractError(reverted.data.errorName, reverted.data.args);
      if (reverted.raw) return describeRevertData(reverted.raw) ?? "The contract refused the transaction.";
      if (reverted.reason) return `The contract refused the transaction: ${reverted.reason}.`;
    }
    const data = findRevertData(error);
    const fromData = data === undefined ? undefined : describeRevertData(data);
    if (fromData) return fromData;
    if (error.walk((e) => e instanceof UserRejectedRequestError))
      return "You rejected the request in your wallet.";
    if (error.walk((e) => e instanceof InsufficientFundsError))
      return "The account has not enough ether for this transaction and its gas.";
    if (error.walk((e) => e instanceof ChainMismatchError))
      return "Your wallet is on another chain; switch to the Cairn chain first.";
    return error.shortMessage;
  }
  if (error instanceof Error) {
    if ((error as { code?: unknown }).code === 4001) return "You rejected the request in your wallet.";
    return error.message;
  }
  return String(error);
}
