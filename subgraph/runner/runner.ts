/**
 * Runs the compiled mappings over a block's logs, the way graph-node does: logs in
 * block order, each through its data source's handler, the handlers' writes gathered in
 * a block cache that graph-node's rules check (known entity types, required fields,
 * immutable entities written once), then committed to the store with the block.
 */
import type { Block, Hex, Log, PublicClient, Transaction } from "viem";
import { decodeEventParams } from "./decode.ts";
import { type BlockInput, type HandlerStore, MappingError, type TransactionInput } from "./host.ts";
import type { DataSource, Subgraph } from "./manifest.ts";
import type { EntityInfo, SchemaInfo } from "./schema.ts";
import type { BlockChanges, BlockPointer, EntityStore } from "./store.ts";
import type { Entity } from "./values.ts";

/** Where each data source's contract is and from which block to read it. */
export interface DeploymentSources {
  network: string;
  contracts: Record<string, { address: string; blockNumber: number }>;
}

export interface BoundDataSource {
  source: DataSource;
  address: Hex;
  startBlock: number;
}

/** A block and the logs of the subgraph's contracts in it, with their transactions. */
export interface BlockData {
  block: BlockInput;
  logs: Log[];
  transactions: Map<Hex, TransactionInput>;
}

/** The handler's writes within one block, over the store's current state. */
class BlockCache implements HandlerStore {
  readonly changes: BlockChanges = new Map();
  private readonly store: EntityStore;
  private readonly schema: SchemaInfo;

  constructor(store: EntityStore, schema: SchemaInfo) {
    this.store = store;
    this.schema = schema;
  }

  private info(entityType: string): EntityInfo {
    const info = this.schema.entities.get(entityType);
    if (info === undefined) throw new MappingError(`unknown entity type ${entityType}`);
    return info;
  }

  get(entityType: string, id: string): Entity | undefined {
    this.info(entityType);
    const change = this.changes.get(`${entityType}/${id}`);
    if (change !== undefined) return change.entity ?? undefined;
    return this.store.get(entityType, id);
  }

  set(entityType: string, id: string, data: Entity): void {
    const info = this.info(entityType);
    if (info.immutable && this.store.get(entityType, id) !== undefined) {
      throw new MappingError(`immutable entity ${entityType} ${id} was already written in an earlier block`);
    }
    // graph-node merges a write into the entity as it stands; null removes a field.
    const merged: Entity = { ...(this.get(entityType, id) ?? {}) };
    for (const [field, value] of Object.entries(data)) {
      if (value.kind === "Null") delete merged[field];
      else merged[field] = value;
    }
    for (const [name, field] of info.fields) {
      const value = merged[name];
      if (field.derivedFrom !== undefined) {
        if (value !== undefined) throw new MappingError(`${entityType}.${name} is derived and cannot be set`);
      } else if (field.required && value === undefined) {
        throw new MappingError(`${entityType} ${id}: required field ${name} is missing`);
      }
      const values = value?.kind === "Array" ? value.value : value === undefined ? [] : [value];
      const allowed = this.schema.enums.get(field.type);
      for (const item of values) {
        if (allowed !== undefined && (item.kind !== "String" || !allowed.includes(item.value))) {
          throw new MappingError(`${entityType}.${name}: ${JSON.stringify(item)} is not a ${field.type}`);
        }
      }
    }
    for (const name of Object.keys(merged)) {
      if (!info.fields.has(name)) throw new MappingError(`${entityType} has no field ${name}`);
    }
    this.changes.set(`${entityType}/${id}`, { entityType, id, entity: merged });
  }

  remove(entityType: string, id: string): void {
    if (this.info(entityType).immutable)
      throw new MappingError(`immutable entity ${entityType} cannot be removed`);
    this.changes.set(`${entityType}/${id}`, { entityType, id, entity: null });
  }
}

export class SubgraphRunner {
  readonly sources: BoundDataSource[];
  readonly store: EntityStore;
  readonly schema: SchemaInfo;
  private readonly byAddress = new Map<string, BoundDataSource>();
  private readonly log: (level: number, message: string) => void;

  constructor(options: {
    subgraph: Subgraph;
    schema: SchemaInfo;
    store: EntityStore;
    deployment: DeploymentSources;
    log?: (level: number, message: string) => void;
  }) {
    this.store = options.store;
    this.schema = options.schema;
    this.log = options.log ?? (() => {});
    this.sources = options.subgraph.dataSources.map((source) => {
      const contract = options.deployment.contracts[source.name];
      if (contract === undefined) throw new Error(`the deployment has no ${source.name} for the subgraph`);
      const bound = {
        source,
        address: contract.address.toLowerCase() as Hex,
        startBlock: contract.blockNumber,
      };
      this.byAddress.set(bound.address, bound);
      return bound;
    });
  }

  /** The first block any data source reads. */
  get startBlock(): number {
    return Math.min(...this.sources.map((source) => source.startBlock));
  }

  get addresses(): Hex[] {
    return this.sources.map((source) => source.address);
  }

  /** Runs the handlers for `data`'s logs and commits the block. */
  processBlock(data: BlockData): void {
    const cache = new BlockCache(this.store, this.schema);
    const logs = [...data.logs].sort((a, b) => Number(a.logIndex) - Number(b.logIndex));
    for (const log of logs) {
      const bound = this.byAddress.get(log.address.toLowerCase());
      if (bound === undefined || Number(data.block.number) < bound.startBlock || log.removed) continue;
      const topic0 = log.topics[0];
      const handler = topic0 === undefined ? undefined : bound.source.handlers.get(topic0);
      if (handler === undefined) continue;
      const transaction = data.transactions.get(log.transactionHash as Hex);
      if (transaction === undefined) throw new Error(`no transaction ${log.transactionHash} for a log`);
      try {
        bound.source.mapping.run(
          handler.handler,
          {
            address: bound.address,
            logIndex: BigInt(log.logIndex ?? 0),
            // graph-node's RPC ingestion reports the block-level index here too.
            transactionLogIndex: BigInt(log.logIndex ?? 0),
            block: data.block,
            transaction,
            params: decodeEventParams(handler.abiEvent, log),
          },
          cache,
          {
            dataSource: { name: bound.source.name, address: bound.address, network: bound.source.network },
            log: this.log,
          },
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new MappingError(
          `${bound.source.name}.${handler.handler} failed at block ${data.block.number} (tx ${log.transactionHash}, log ${log.logIndex}): ${message}`,
          { cause: error },
        );
      }
    }
    this.store.commit(pointerOf(data.block), cache.changes);
  }
}

export function pointerOf(block: BlockInput): BlockPointer {
  return { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp) };
}

const ZERO_HASH = `0x${"00".repeat(32)}` as Hex;

export function blockInput(block: Block): BlockInput {
  if (block.hash === null || block.number === null) throw new Error("pending blocks are not indexed");
  return {
    hash: block.hash,
    parentHash: block.parentHash,
    unclesHash: block.sha3Uncles,
    author: block.miner,
    stateRoot: block.stateRoot,
    transactionsRoot: block.transactionsRoot,
    receiptsRoot: block.receiptsRoot ?? ZERO_HASH,
    number: block.number,
    gasUsed: block.gasUsed,
    gasLimit: block.gasLimit,
    timestamp: block.timestamp,
    difficulty: block.difficulty ?? 0n,
    totalDifficulty: block.totalDifficulty ?? 0n,
    size: block.size ?? null,
    baseFeePerGas: block.baseFeePerGas ?? null,
  };
}

export function transactionInput(tx: Transaction): TransactionInput {
  return {
    hash: tx.hash,
    index: BigInt(tx.transactionIndex ?? 0),
    from: tx.from,
    to: tx.to ?? null,
    value: tx.value,
    gasLimit: tx.gas,
    gasPrice: tx.gasPrice ?? 0n,
    input: tx.input,
    nonce: BigInt(tx.nonce),
  };
}

/**
 * The subgraph's logs in blocks `from`..`to`, grouped by block with each block's header
 * and transactions. Only blocks with logs are returned. Throws `ChainMoved` when a
 * block's hash differs from its logs' (a reorg while fetching): the caller retries.
 */
export async function fetchBlocks(
  client: PublicClient,
  addresses: Hex[],
  from: number,
  to: number,
): Promise<BlockData[]> {
  const logs = await client.getLogs({ address: addresses, fromBlock: BigInt(from), toBlock: BigInt(to) });
  const byBlock = new Map<bigint, Log[]>();
  for (const log of logs) {
    if (log.blockNumber === null) continue;
    const list = byBlock.get(log.blockNumber) ?? [];
    list.push(log as Log);
    byBlock.set(log.blockNumber, list);
  }
  const out: BlockData[] = [];
  for (const [number, blockLogs] of [...byBlock].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const block = await client.getBlock({ blockNumber: number, includeTransactions: true });
    if (blockLogs.some((log) => log.blockHash !== block.hash)) throw new ChainMoved(Number(number));
    const transactions = new Map<Hex, TransactionInput>();
    for (const tx of block.transactions) {
      if (typeof tx !== "string") transactions.set(tx.hash, transactionInput(tx as Transaction));
    }
    out.push({ block: blockInput(block as Block), logs: blockLogs, transactions });
  }
  return out;
}

/** The chain changed under a fetch. */
export class ChainMoved extends Error {
  override name = "ChainMoved";
  constructor(block: number) {
    super(`block ${block} changed while the indexer read it; retrying`);
  }
}
