/**
 * Whole nodes for retrieval tests, built from the real parts the daemon uses: libp2p with
 * the DHT on loopback, an FsBlockstore and a SQLite metadata store in a temp folder, the
 * block exchange, discovery, payments on a devnet's PaymentChannels, and the REST API.
 */
import { join } from "node:path";
import { createApiServer, type ApiServer } from "../../src/api/index.ts";
import { createDiscovery, type Discovery } from "../../src/discovery/index.ts";
import type { CairnLibp2p } from "../../src/network/index.ts";
import {
  ChannelExchangePayer,
  type ChannelPayer,
  type ProviderAccounting,
} from "../../src/payments/index.ts";
import { createExchange, type Exchange } from "../../src/protocols/exchange/index.ts";
import { createChannelAdmin, createRetrieval, type RetrievalInit } from "../../src/retrieval/index.ts";
import { createBlockstore, type FsBlockstore } from "../../src/store/blocks/index.ts";
import type { MetadataStore } from "../../src/store/metadata/index.ts";
import type { Devnet } from "../helpers/devnet.ts";
import { connect, quietLogger, startNode } from "../discovery/helpers.ts";
import { createTransactionManager, type TransactionManager } from "../../src/chain/index.ts";
import { createChannelPayer } from "../../src/payments/index.ts";
import { channelReader, paymentsMetadata, providerAccounting, silent } from "../payments/fixture.ts";

export const TOKEN = "retrieval-test-token-0123456789";
export const auth = { authorization: `Bearer ${TOKEN}` };

export interface TestNode {
  net: CairnLibp2p;
  store: FsBlockstore;
  metadata: MetadataStore;
  exchange: Exchange;
  discovery: Discovery;
  api: ApiServer;
  /** Set on a client node. */
  payer?: ChannelPayer;
  /** Set on a provider node. */
  accounting?: ProviderAccounting;
  stop(): Promise<void>;
}

async function assemble(
  dir: string,
  name: string,
  metadata: MetadataStore,
  parts: {
    accounting?: ProviderAccounting;
    payer?: ChannelPayer;
    transactions?: TransactionManager;
    devnet: Devnet;
    role: string;
  },
  retrievalInit: RetrievalInit,
): Promise<TestNode> {
  const net = await startNode();
  const store = createBlockstore({ logger: silent }, { root: join(dir, name, "blocks") });
  await store.start();
  const exchange = createExchange(
    {
      network: net,
      blockstore: store,
      logger: silent,
      cashier: parts.accounting,
      payer: parts.payer ? new ChannelExchangePayer(parts.payer) : undefined,
    },
    { blockTimeout: 3_000 },
  );
  await exchange.start();
  const discovery = createDiscovery(
    { dht: net.services.dht, peerId: net.peerId, logger: quietLogger },
    {
      cids: () => metadata.datasets.list({ limit: 1000, offset: 0 }).map((d) => d.cid),
      initialDelay: 60_000,
    },
  );
  discovery.start();
  const channelAdmin =
    parts.payer && parts.transactions
      ? createChannelAdmin(
          {
            table: parts.payer.table,
            transactions: parts.transactions,
            channels: channelReader(parts.devnet),
            logger: silent,
          },
          {
            paymentChannels: parts.devnet.contracts.PaymentChannels.address,
            closeDelay: 60,
            budget: 10n ** 18n,
          },
        )
      : undefined;
  const api = createApiServer(
    {
      blockstore: store,
      metadata,
      exchange,
      discovery,
      retrieval: createRetrieval(
        { exchange, discovery, blockstore: store, network: net, logger: silent },
        retrievalInit,
      ),
      channels: parts.payer,
      channelAdmin,
      accounting: parts.accounting,
      logger: silent,
    },
    { port: 0, token: TOKEN, stripeWorkers: 1 },
  );
  await api.start();
  return {
    net,
    store,
    metadata,
    exchange,
    discovery,
    api,
    payer: parts.payer,
    accounting: parts.accounting,
    async stop() {
      await api.stop();
      await discovery.stop();
      await exchange.stop();
      await net.stop();
      await store.stop();
      parts.transactions?.stop();
      metadata.stop();
    },
  };
}

/** A provider charging `price` wei per block. */
export async function startProvider(
  devnet: Devnet,
  dir: string,
  role: string,
  price: bigint,
): Promise<TestNode> {
  const { accounting, metadata } = providerAccounting(
    devnet,
    dir,
    { pricePerBlock: price, paymentThreshold: 4n * price, settleThreshold: 10n ** 18n },
    undefined,
    role,
  );
  return assemble(dir, role, metadata, { accounting, devnet, role }, {});
}

/** A client that pays through channels it opens with `client` role's dev account. */
export async function startClient(
  devnet: Devnet,
  dir: string,
  role: string,
  retrievalInit: RetrievalInit = {},
): Promise<TestNode> {
  const metadata = paymentsMetadata(join(dir, `${role}.sqlite`));
  const account = devnet.account(role);
  // The node's own transaction manager, as the daemon has: one nonce owner for the payer's
  // automatic channel writes and the API's requested ones, and contract reverts decoded.
  const transactions = createTransactionManager(
    { publicClient: devnet.publicClient as never, account, logger: silent },
    { chainId: devnet.chain.id },
  );
  await transactions.start();
  const payer = createChannelPayer(
    { metadata, channels: channelReader(devnet), transactions, signer: account, logger: silent },
    {
      chainId: devnet.chain.id,
      paymentChannels: devnet.contracts.PaymentChannels.address,
      budget: 10n ** 18n,
      channelDeposit: 1_000_000n,
      closeDelay: 60,
    },
  );
  await payer.start();
  return assemble(dir, role, metadata, { payer, transactions, devnet, role }, retrievalInit);
}

export { connect };
