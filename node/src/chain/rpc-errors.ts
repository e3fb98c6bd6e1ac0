/**
 * Sorting the errors viem throws into what the transaction manager and the watcher do
 * about them: a contract revert (decode it, give up), a transport failure (retry, the
 * RPC may be restarting), or a node's refusal of a raw transaction (nonce or fee).
 */
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  HttpRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";
import { abis } from "../generated/contracts.ts";
import { ContractRevertError } from "./errors.ts";

/**
 * Every custom error of Cairn's contracts. A call into the market can revert with a
 * registry error (collateral locking), so simulations decode against all of them.
 */
export const CAIRN_ERRORS: Abi = Object.values(abis).flatMap((abi) =>
  (abi as Abi).filter((item) => item.type === "error"),
);

/** The decoded revert inside `err`, if `err` is one; otherwise undefined. */
export function toContractRevert(functionName: string, err: unknown): ContractRevertError | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  if (revert.data !== undefined) {
    return new ContractRevertError(functionName, revert.data.errorName, revert.data.args ?? [], err);
  }
  if (revert.reason !== undefined)
    return new ContractRevertError(functionName, "Error", [revert.reason], err);
  return new ContractRevertError(functionName, revert.signature ?? "unknown", [], err);
}

/** True when `err` is the endpoint being unreachable or slow, not an answer. */
export function isTransportError(err: unknown): boolean {
  if (err instanceof BaseError) {
    const found = err.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof SocketClosedError ||
        e instanceof WebSocketRequestError,
    );
    if (found !== null && found !== undefined && found !== err) return true;
    if (
      err instanceof HttpRequestError ||
      err instanceof TimeoutError ||
      err instanceof SocketClosedError ||
      err instanceof WebSocketRequestError
    )
      return true;
  }
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "UND_ERR_SOCKET";
}

/** How a node answered `eth_sendRawTransaction` with an error. */
export type SendRefusal = "known" | "nonce-too-low" | "underpriced" | "other";

/**
 * Node implementations word these differently (geth: "already known", "nonce too low",
 * "replacement transaction underpriced"; anvil and others similar), so this matches text.
 */
export function classifySendError(err: unknown): SendRefusal {
  const text = err instanceof BaseError ? `${err.details} ${err.shortMessage} ${err.message}` : String(err);
  // geth: "already known"; @ethereumjs/client: "this transaction is already in the TxPool".
  if (/already known|known transaction|already imported|AlreadyKnown|already in the TxPool/i.test(text))
    return "known";
  if (/nonce too low|nonce.*(has )?already been used|NonceTooLow|OldNonce/i.test(text))
    return "nonce-too-low";
  if (/underpriced|fee too low|FeeCapTooLow|replacement|less than (the )?block base fee/i.test(text))
    return "underpriced";
  return "other";
}
