import { type ApiServer, createApiServer } from "../api/index.ts";
import { configureLogging, type Logger, logger as defaultLogger } from "../logging/index.ts";
import { createMetricsRegistry, type Registry } from "../metrics/index.ts";
import { type CairnLibp2p, createNetwork, networkPaths } from "../network/index.ts";
import {
  cairnContracts,
  type ContractDeployment,
  createChainClient,
  createChainWatcher,
  createTransactionManager,
  InvalidChainOptionError,
  isTransportError,
  type WatchedContract,
} from "../chain/index.ts";
import type { ContractName } from "../generated/contracts.ts";
import {
  createDirectorySync,
  createDiscovery,
  type Discovery,
  pollRegistryLogs,
  ProviderDirectory,
} from "../discovery/index.ts";
import { createProver, createValidator, HeldSlotStore } from "../market/index.ts";
import { createExchange, type Exchange } from "../protocols/exchange/index.ts";
import {
  type ChannelPayer,
  ChannelExchangePayer,
  registryRecipientCheck,
  contractChannelReader,
  createChannelPayer,
  createProviderAccounting,
  type ProviderAccounting,
} from "../payments/index.ts";
import {
  createPurchasing,
  directoryProviderSource,
  probeProviderApi,
  type Purchasing,
} from "../purchasing/index.ts";
import { type ChannelAdmin, createChannelAdmin, createRetrieval } from "../retrieval/index.ts";
import { createReputation, type ReputationService } from "../reputation/index.ts";
import {
  createSales,
  ManifestKeeper,
  createSalesAgent,
  directoryLocator,
  HttpSlotSource,
  type Sales,
  SlotCollector,
} from "../sales/index.ts";
import { createProviderAdmin, type ProviderAdmin } from "../provider/index.ts";
import { dataDirLayout } from "../store/index.ts";
import { createBlockstore, type FsBlockstore } from "../store/blocks/index.ts";
import { createMetadataStore, type MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import { createNodeWallet, type NodeWallet } from "../wallet/index.ts";
import { NodeStateError } from "./errors.ts";
import type { CairnNodeComponents, CairnNodeInit } from "./index.ts";
import { readDeploymentFile } from "./deployment.ts";
import { NODE_MIGRATIONS } from "./migrations.ts";
import { ensureApiToken } from "./token.ts";

/**
 * One node. `start()` brings services up in dependency order (stores, wallet, network,
 * API), and `stop()` takes them down in reverse, so the API stops taking requests before
 * the stores close under it.
 */
export class CairnNode implements Startable {
  readonly metrics: Registry;
  private readonly init: CairnNodeInit;
  private readonly components: CairnNodeComponents;
  private readonly log: Logger;
  private readonly sub: (name: string) => Logger;
  private started: Startable[] = [];
  private state: "new" | "starting" | "running" | "stopped" = "new";
  private api: ApiServer | undefined;
  private blockstoreInstance: FsBlockstore | undefined;
  private metadataInstance: MetadataStore | undefined;
  private walletInstance: NodeWallet | undefined;
  private networkInstance: CairnLibp2p | undefined;
  private providerInstance: ProviderAdmin | undefined;
  private salesInstance: Sales | undefined;
  private purchasingInstance: Purchasing | undefined;
  private accountingInstance: ProviderAccounting | undefined;
  private channelsInstance: ChannelPayer | undefined;
  private channelAdminInstance: ChannelAdmin | undefined;
  private exchangeInstance: Exchange | undefined;
  private reputationInstance: ReputationService | undefined;
  private directoryInstance: ProviderDirectory | undefined;
  private discoveryInstance: Discovery | undefined;
  /** The file the API token was read from or written to. */
  apiTokenPath: string | undefined;

  constructor(components: CairnNodeComponents, init: CairnNodeInit) {
    this.components = components;
    this.init = init;
    if (init.configureLogging ?? true) {
      configureLogging({ level: init.config.log.level, format: init.config.log.format });
    }
    this.log = components.logger ?? defaultLogger("node");
    // Each service logs under its own component (`cairn:store:blocks`, `cairn:api`, ...),
    // or under the given logger in tests.
    const given = components.logger;
    this.sub = (name) => (given === undefined ? defaultLogger(name) : given.child(name));
    this.metrics = createMetricsRegistry();
  }

  get apiUrl(): string {
    if (this.api === undefined) throw new NodeStateError("the node is not running");
    return this.api.url;
  }

  get wallet(): NodeWallet | undefined {
    return this.walletInstance;
  }

  get blockstore(): FsBlockstore {
    if (this.blockstoreInstance === undefined) throw new NodeStateError("the node is not running");
    return this.blockstoreInstance;
  }

  /** The libp2p node, when `p2p.enabled`. */
  get network(): CairnLibp2p | undefined {
    return this.networkInstance;
  }

  /** The block exchange; absent when p2p is off. */
  get exchange(): Exchange | undefined {
    return this.exchangeInstance;
  }

  /** The client's payment channels; absent without a chain link. */
  get channels(): ChannelPayer | undefined {
    return this.channelsInstance;
  }

  /** The vouchers this node receives as a provider; absent without a chain link. */
  get accounting(): ProviderAccounting | undefined {
    return this.accountingInstance;
  }

  /** Finds providers of a CID in the DHT; absent when p2p is off. */
  get discovery(): Discovery | undefined {
    return this.discoveryInstance;
  }

  /** The providers known from the registry; absent without a chain link. */
  get directory(): ProviderDirectory | undefined {
    return this.directoryInstance;
  }

  get metadata(): MetadataStore {
    if (this.metadataInstance === undefined) throw new NodeStateError("the node is not running");
    return this.metadataInstance;
  }

  async start(): Promise<void> {
    if (this.state !== "new") throw new NodeStateError(`cannot start a node that is ${this.state}`);
    this.state = "starting";
    const { config } = this.init;
    const layout = dataDirLayout(config.dataDir);
    try {
      const blockstore = createBlockstore(
        { logger: this.sub("store:blocks"), metrics: this.metrics },
        { root: layout.blocks, verifyOnRead: config.store.verifyOnRead },
      );
      await this.up(blockstore);
      this.blockstoreInstance = blockstore;

      const metadata = createMetadataStore(
        { logger: this.sub("store:metadata") },
        { path: layout.metadata, migrations: NODE_MIGRATIONS },
      );
      await this.up(metadata);
      this.metadataInstance = metadata;

      const reputation = createReputation({ metadata, logger: this.sub("reputation") });
      await this.up(reputation);
      this.reputationInstance = reputation;

      this.walletInstance =
        this.components.wallet ??
        (await createNodeWallet(
          { logger: this.sub("wallet"), prompt: this.components.prompt },
          {
            keystorePath: config.wallet.keystore,
            chainId: config.chain.id,
            devAccount: config.wallet.devAccount,
            passphraseFile: config.wallet.passphraseFile,
            scryptN: this.init.scryptN,
          },
        ));

      if (config.p2p.enabled) {
        const network = await createNetwork(
          { logger: this.sub("network") },
          {
            dir: networkPaths(config.dataDir).dir,
            listen: config.p2p.listen,
            announce: config.p2p.announce,
            bootstrap: config.p2p.bootstrap,
            maxConnections: config.p2p.maxConnections,
          },
        );
        await this.up(network);
        this.networkInstance = network;
      }

      await this.startChainLink();
      await this.startDiscovery();
      await this.startExchange();
      await this.startManifestKeeper();

      const token = await ensureApiToken(config.api.token, config.dataDir, this.sub("api"));
      this.apiTokenPath = token.path;

      this.api = createApiServer(
        {
          blockstore,
          metadata,
          metrics: config.metrics.enabled ? this.metrics : undefined,
          walletAddress: this.walletInstance.address,
          network: this.networkInstance,
          provider: this.providerInstance,
          sales: this.salesInstance,
          purchasing: this.purchasingInstance,
          exchange: this.exchangeInstance,
          discovery: this.discoveryInstance,
          channels: this.channelsInstance,
          channelAdmin: this.channelAdminInstance,
          accounting: this.accountingInstance,
          logger: this.sub("api"),
        },
        {
          host: config.api.host,
          port: config.api.port,
          token: token.token,
          corsOrigins: config.api.corsOrigins,
          bodyLimit: config.api.bodyLimit,
          uploadLimit: config.api.uploadLimit,
          metricsEnabled: config.metrics.enabled,
          chainId: config.chain.id,
          stripeWorkers: this.init.stripeWorkers,
        },
      );
      await this.up(this.api);
    } catch (err) {
      await this.down();
      this.state = "stopped";
      throw err;
    }
    this.state = "running";
    this.log.info("node started", {
      api: this.api.url,
      wallet: this.walletInstance.address,
      peerId: this.networkInstance?.peerId.toString(),
      p2p: this.networkInstance?.getMultiaddrs().map(String),
    });
  }

  async stop(): Promise<void> {
    if (this.state === "stopped" || this.state === "new") {
      this.state = "stopped";
      return;
    }
    this.state = "stopped";
    await this.down();
    this.log.info("node stopped");
  }

  /**
   * The node's link to the chain: one transaction manager that owns the wallet's nonces,
   * the chain watcher, and the services that write through the one and read the other
   * (provider commands, the prover, the validator). A chain that cannot be reached at
   * start is not fatal: the node still stores and serves data, and the chain's routes
   * answer 503 until it is restarted with a reachable `chain.rpcUrl`. A chain with the
   * wrong id is.
   */
  private async startChainLink(): Promise<void> {
    const { config } = this.init;
    const wallet = this.walletInstance;
    const metadata = this.metadataInstance;
    const blockstore = this.blockstoreInstance;
    if (wallet === undefined || metadata === undefined || blockstore === undefined) return;
    const publicClient = createChainClient(config.chain.rpcUrl, config.chain.id);
    const sender = createTransactionManager(
      { publicClient, account: wallet.account, logger: this.sub("chain:tx"), metrics: this.metrics },
      {
        chainId: config.chain.id,
        feeBumpPercent: config.chain.feeBumpPercent,
        bumpAfterBlocks: config.chain.bumpAfterBlocks,
        bumpAfterMs: config.chain.bumpAfterMs,
      },
    );
    try {
      await this.up(sender);
    } catch (err) {
      if (!isTransportError(err)) throw err;
      this.log.warn("the chain is unreachable; running without the market (restart once it is up)", {
        rpcUrl: config.chain.rpcUrl,
        err,
      });
      return;
    }
    const contracts = this.contractsOf(config.chain.id);
    if (contracts === undefined) return;
    const byName = (name: ContractName) => contracts.find((c) => c.name === name) as WatchedContract;
    const market = byName("StorageMarket").address;
    const registry = byName("ProviderRegistry");

    // Who the providers are (wallet, offer, endpoints, peer id), folded from registry events.
    const directory = new ProviderDirectory();
    const directorySync = createDirectorySync(
      {
        directory,
        source: pollRegistryLogs({
          client: publicClient,
          address: registry.address,
          confirmations: config.chain.confirmations,
          logger: this.sub("discovery:registry"),
        }),
        reputation: this.reputationInstance,
        logger: this.sub("discovery:registry"),
      },
      { fromBlock: registry.fromBlock },
    );
    await this.up(directorySync);
    this.directoryInstance = directory;

    // One collector for the sales agent and `cairn provider collect`, so neither collects twice.
    const collector = new SlotCollector(
      { publicClient, sender, metadata, logger: this.sub("sales:collect") },
      { market },
    );
    this.providerInstance = createProviderAdmin(
      { sender, publicClient, collector },
      { registry: registry.address },
    );

    // Payments for the block exchange: vouchers this node receives as a provider, and the
    // channels it opens to pay providers as a client.
    const paymentChannels = byName("PaymentChannels").address;
    const channels = contractChannelReader(publicClient, paymentChannels);
    const accounting = createProviderAccounting(
      {
        metadata,
        channels,
        transactions: sender,
        reputation: this.reputationInstance,
        logger: this.sub("payments"),
      },
      {
        chainId: config.chain.id,
        paymentChannels,
        pricePerBlock: BigInt(config.exchange.pricePerBlock),
        paymentThreshold: BigInt(config.payments.threshold),
        tolerancePercent: BigInt(config.payments.tolerancePercent),
        freeAllowance: BigInt(config.payments.freeAllowance),
        freeAllowanceRefillPerSecond: BigInt(config.payments.freeAllowancePerSecond),
        settleThreshold: BigInt(config.payments.settleThreshold),
      },
    );
    await this.up(accounting);
    this.accountingInstance = accounting;
    const payer = createChannelPayer(
      { metadata, channels, transactions: sender, signer: wallet.account, logger: this.sub("payments") },
      {
        chainId: config.chain.id,
        paymentChannels,
        budget: BigInt(config.payments.budget),
        channelDeposit: BigInt(config.payments.channelDeposit),
        closeDelay: config.payments.closeDelay,
      },
    );
    await this.up(payer);
    this.channelsInstance = payer;
    // Channel writes by hand (`cairn channels`, /api/v1/channels), on the payer's table.
    this.channelAdminInstance = createChannelAdmin(
      { table: payer.table, transactions: sender, channels, logger: this.sub("payments") },
      { paymentChannels, closeDelay: config.payments.closeDelay, budget: BigInt(config.payments.budget) },
    );
    // Resumes unfinished purchases at start.
    const purchasing = createPurchasing(
      {
        sender,
        publicClient,
        metadata,
        blockstore,
        providers: directoryProviderSource(directory, directorySync),
        reputation: this.reputationInstance,
        reachable: (apiUrl) => probeProviderApi(apiUrl),
        logger: this.sub("purchasing"),
      },
      { market },
    );
    await this.up(purchasing);
    this.purchasingInstance = purchasing;
    const sales = createSales(
      { publicClient, sender, metadata, blockstore, logger: this.sub("sales"), metrics: this.metrics },
      {
        market,
        marketFromBlock: byName("StorageMarket").fromBlock,
        policy: {
          space: BigInt(config.sales.space),
          minPricePerBytePerSecond: BigInt(config.sales.minPricePerBytePerSecond),
          maxDuration: BigInt(config.sales.maxDuration),
          maxCollateralPerByte: BigInt(config.sales.maxCollateralPerByte),
          takeOpenSlots: config.sales.takeOpenSlots,
          takeRepairs: config.sales.takeRepairs,
        },
      },
    );
    await this.up(sales);
    this.salesInstance = sales;
    const watcher = createChainWatcher(
      { publicClient, metadata, logger: this.sub("chain:watcher"), metrics: this.metrics },
      { name: "node", contracts, confirmations: config.chain.confirmations },
    );
    // The validator subscribes to the watcher's events, so it exists before the watcher starts.
    const validator = config.validator.enabled
      ? createValidator(
          {
            publicClient,
            sender,
            metadata,
            watcher,
            logger: this.sub("market:validator"),
            metrics: this.metrics,
          },
          { market },
        )
      : undefined;
    // Also subscribes to the watcher, so it is created before the watcher starts.
    const salesAgent = createSalesAgent(
      {
        publicClient,
        sender,
        metadata,
        watcher,
        sales,
        collector,
        logger: this.sub("sales:agent"),
        source: new HttpSlotSource(directoryLocator(directory), { self: sender.address }),
      },
      { market },
    );
    await this.up(watcher);
    await this.up(salesAgent);
    if (config.market.prove) {
      const prover = createProver(
        {
          publicClient,
          sender,
          metadata,
          blocks: blockstore,
          logger: this.sub("market:prover"),
          metrics: this.metrics,
        },
        { market, recordSeeds: config.market.recordSeeds },
      );
      await this.up(prover);
    }
    if (validator !== undefined) await this.up(validator);
  }

  /**
   * Announces the datasets this node stores and the datasets of the slots it holds in the
   * DHT (re-announced on a timer), and finds the providers of a CID for downloads.
   */
  private async startDiscovery(): Promise<void> {
    const network = this.networkInstance;
    const metadata = this.metadataInstance;
    if (network === undefined || metadata === undefined) return;
    const held = new HeldSlotStore(metadata);
    const discovery = createDiscovery(
      {
        dht: network.services.dht,
        peerId: network.peerId,
        directory: this.directoryInstance,
        metrics: this.metrics,
        logger: this.sub("discovery"),
      },
      {
        cids: () => {
          const cids = new Set(metadata.datasets.list({ limit: Number.MAX_SAFE_INTEGER }).map((d) => d.cid));
          for (const slot of held.inState("filled")) cids.add(slot.datasetCid);
          return cids;
        },
      },
    );
    await this.up(discovery);
    this.discoveryInstance = discovery;
  }

  /** Keeps the manifests of the datasets this node holds slots of (sales/manifest-keeper.ts). */
  private async startManifestKeeper(): Promise<void> {
    const exchange = this.exchangeInstance;
    const discovery = this.discoveryInstance;
    const metadata = this.metadataInstance;
    const blockstore = this.blockstoreInstance;
    if (
      exchange === undefined ||
      discovery === undefined ||
      metadata === undefined ||
      blockstore === undefined
    )
      return;
    const logger = this.sub("sales:manifests");
    const retrieval = createRetrieval({
      exchange,
      discovery,
      blockstore,
      network: this.networkInstance,
      logger,
    });
    const keeper = new ManifestKeeper({
      held: new HeldSlotStore(metadata),
      blockstore,
      fetch: async (cid, signal) => {
        // Opening a manifest fetches and stores its block, and reads nothing more.
        const file = await retrieval.open(cid, { signal });
        await file.close();
      },
      announce: (cid) => discovery.provide(cid),
      logger,
    });
    await this.up(keeper);
  }

  /**
   * `/cairn/exchange/1.0.0`: serves blocks to peers, charging them through the payments
   * service, and fetches from providers, paying through this node's channels. Without a
   * chain link it serves for free and cannot pay providers that charge.
   */
  private async startExchange(): Promise<void> {
    const network = this.networkInstance;
    const blockstore = this.blockstoreInstance;
    if (network === undefined || blockstore === undefined) return;
    const { config } = this.init;
    const exchange = createExchange(
      {
        network,
        blockstore,
        cashier: this.accountingInstance,
        payer:
          this.channelsInstance === undefined
            ? undefined
            : new ChannelExchangePayer(this.channelsInstance, {
                // A provider is paid at the wallet the registry binds to its peer id.
                recipients:
                  this.directoryInstance === undefined
                    ? undefined
                    : registryRecipientCheck(this.directoryInstance),
              }),
        reputation: this.reputationInstance,
        metrics: this.metrics,
        logger: this.sub("exchange"),
      },
      {
        pricePerBlock: this.accountingInstance === undefined ? 0n : BigInt(config.exchange.pricePerBlock),
        maxBytesPerSecond: config.exchange.maxBytesPerSecond,
      },
    );
    await this.up(exchange);
    this.exchangeInstance = exchange;
  }

  /** The contracts from `chain.deploymentFile`, else the generated module; undefined when neither knows the chain. */
  private contractsOf(chainId: number): WatchedContract[] | undefined {
    const file = this.init.config.chain.deploymentFile;
    const given: Record<ContractName, ContractDeployment> | undefined =
      file === undefined ? undefined : readDeploymentFile(file, chainId);
    try {
      return cairnContracts(chainId, given);
    } catch (err) {
      if (!(err instanceof InvalidChainOptionError)) throw err;
      this.log.warn(
        "no deployment known for this chain; running without the market (set chain.deploymentFile)",
        {
          chainId,
        },
      );
      return undefined;
    }
  }

  private async up(service: Startable): Promise<void> {
    await service.start();
    this.started.push(service);
  }

  private async down(): Promise<void> {
    for (let service = this.started.pop(); service !== undefined; service = this.started.pop()) {
      try {
        await service.stop();
      } catch (err) {
        this.log.error("a service did not stop cleanly", { err });
      }
    }
    this.api = undefined;
    this.networkInstance = undefined;
    this.providerInstance = undefined;
    this.salesInstance = undefined;
    this.purchasingInstance = undefined;
    this.accountingInstance = undefined;
    this.channelsInstance = undefined;
    this.channelAdminInstance = undefined;
    this.exchangeInstance = undefined;
    this.reputationInstance = undefined;
    this.directoryInstance = undefined;
    this.discoveryInstance = undefined;
  }
}
