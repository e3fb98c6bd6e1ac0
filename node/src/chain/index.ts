/**
 * The node's link to the chain:
 *
 * - `TransactionManager` (transaction-manager.ts): the one owner of the node account's
 *   nonces. Every transaction the node sends goes through its `send` (the
 *   `TransactionSender` of types.ts): simulate, sign, send, bump fees until mined.
 * - `ChainWatcher` (watcher.ts): Cairn's contract events from the deploy blocks on, each
 *   delivered once, after `confirmations` blocks, with its cursor in SQLite (schema.ts).
 *
 *   const sender = createTransactionManager({ publicClient, account, logger }, { chainId });
 *   await sender.start();
 *   await sender.send({ address, abi, functionName: "submitProofs", args: [proofs] }, { deadlineBlock });
 *
 *   const watcher = createChainWatcher({ publicClient, metadata, logger }, { name: "market", contracts });
 *   watcher.subscribe({ contract: "StorageMarket", eventName: "SlotFilled" }, (event, db) => { ... });
 *   watcher.start();
 */
import { type Abi, type Address, createPublicClient, http, type PublicClient, webSocket } from "viem";
import { abis, type ContractName, deployments } from "../generated/contracts.ts";
import { logger as defaultLogger } from "../logging/index.ts";
import { InvalidChainOptionError } from "./errors.ts";
import {
  TransactionManager,
  type TransactionManagerComponents,
  type TransactionManagerInit,
} from "./transaction-manager.ts";
import {
  ChainWatcher,
  type ChainWatcherComponents,
  type ChainWatcherInit,
  type WatchedContract,
} from "./watcher.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { bumpFees, type Fees, initialFees } from "./fees.ts";
export { CAIRN_ERRORS, classifySendError, isTransportError, toContractRevert } from "./rpc-errors.ts";
export { CHAIN_SCHEMA } from "./schema.ts";
export type { BlockRef } from "./cursor-store.ts";
export type * from "./types.ts";
export {
  ChainWatcher,
  type ChainEvent,
  type ChainEventHandler,
  type ChainWatcherComponents,
  type ChainWatcherInit,
  type EventFilter,
  type WatchedContract,
} from "./watcher.ts";
export { TransactionManager, type TransactionManagerComponents, type TransactionManagerInit };

/**
 * A public client for the node's endpoint. `cacheTime: 0` because the node polls the head
 * and must not be answered from viem's 4 s block-number cache.
 */
export function createChainClient(rpcUrl: string, chainId: number): PublicClient {
  const transport = rpcUrl.startsWith("ws") ? webSocket(rpcUrl) : http(rpcUrl, { retryCount: 0 });
  return createPublicClient({
    chain: {
      id: chainId,
      name: `chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    },
    transport,
    cacheTime: 0,
  });
}

/** A contract's address and deploy block, as given explicitly (tests) or by the generated module. */
export interface ContractDeployment {
  address: Address;
  blockNumber: number | bigint;
}

/**
 * The watched contracts of a chain: from `given` (e.g. a test chain's deployment), or from
 * the generated module's `deployments[chainId]`.
 */
export function cairnContracts(
  chainId: number,
  given?: Partial<Record<ContractName, ContractDeployment>>,
  names: readonly ContractName[] = ["StorageMarket", "ProviderRegistry", "PaymentChannels"],
): WatchedContract[] {
  const known = (deployments as Record<string, Partial<Record<ContractName, ContractDeployment>>>)[
    String(chainId)
  ];
  return names.map((name) => {
    const deployment = given?.[name] ?? known?.[name];
    if (deployment === undefined)
      throw new InvalidChainOptionError(
        `no deployment of ${name} for chain ${chainId}; deploy first or pass its address`,
      );
    return {
      name,
      address: deployment.address,
      abi: abis[name] as Abi,
      fromBlock: BigInt(deployment.blockNumber),
    };
  });
}

export function createTransactionManager(
  components: Omit<TransactionManagerComponents, "logger"> &
    Partial<Pick<TransactionManagerComponents, "logger">>,
  init: TransactionManagerInit,
): TransactionManager {
  return new TransactionManager(
    { ...components, logger: components.logger ?? defaultLogger("chain:tx") },
    init,
  );
}

export function createChainWatcher(
  components: Omit<ChainWatcherComponents, "logger"> & Partial<Pick<ChainWatcherComponents, "logger">>,
  init: ChainWatcherInit,
): ChainWatcher {
  return new ChainWatcher(
    { ...components, logger: components.logger ?? defaultLogger("chain:watcher") },
    init,
  );
}
