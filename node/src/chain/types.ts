/**
 * What the node's services need from the chain to write to it. The one implementation is
 * the node's transaction manager (node/src/chain), which owns the account's nonces, so
 * every transaction of the node (fills, proofs, vouchers settled, channels opened) goes
 * through one queue and two services never race for a nonce.
 */
import type { Abi, Address, Hash, TransactionReceipt } from "viem";

/** One contract call to send. */
export interface ContractWrite {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  /** wei sent with the call. */
  value?: bigint;
}

export interface SendOptions {
  /** What the transaction is for, in logs and metrics ("submitProofs", "settle", ...). */
  label?: string;
  /** Give up (and throw) if not mined by this block. */
  deadlineBlock?: bigint;
  signal?: AbortSignal;
}

export interface SentTransaction {
  hash: Hash;
  receipt: TransactionReceipt;
}

export interface TransactionSender {
  /** The address transactions are sent from. */
  readonly address: Address;
  /**
   * Simulates the call (a revert throws the contract's custom error before anything is
   * sent), signs it with the next nonce, sends it, bumps the fee if it is not mined in
   * time, and resolves with the receipt once it is mined successfully. A transaction
   * that reverts on-chain rejects.
   */
  send(write: ContractWrite, options?: SendOptions): Promise<SentTransaction>;
}
