/**
 * Shared setup for payments tests: a devnet, and per-role payments services on their own
 * SQLite files (so a test can restart a service on the same file).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { Logger } from "../../src/logging/index.ts";
import { LogManager } from "../../src/logging/index.ts";
import {
  type ChannelPayer,
  type ChannelPayerConfig,
  contractChannelReader,
  createChannelPayer,
  createProviderAccounting,
  withPaymentsMigrations,
  type ProviderAccounting,
  type ProviderAccountingConfig,
} from "../../src/payments/index.ts";
import type { ReputationRecorder } from "../../src/reputation/types.ts";
import { createMetadataStore, MIGRATIONS, type MetadataStore } from "../../src/store/metadata/index.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { testTransactionSender } from "../helpers/test-sender.ts";

/**
 * The hooks a chain-backed test file shares: one automining devnet for the whole file, a
 * fresh temp folder (named from `prefix`) for each test, and after each test `cleanup`
 * (stopping what the test started) before its folder is removed.
 */
export function devnetPerFile(
  prefix: string,
  cleanup: () => unknown = () => {},
): { readonly devnet: Devnet; readonly dir: string } {
  let devnet: Devnet | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    devnet = await startDevnet();
  }, 60_000);
  afterAll(async () => {
    await devnet?.stop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }, 30_000);
  return {
    get devnet(): Devnet {
      if (devnet === undefined) throw new Error("the devnet starts in beforeAll");
      return devnet;
    },
    get dir(): string {
      if (dir === undefined) throw new Error("the folder is made in beforeEach");
      return dir;
    },
  };
}

export const silent: Logger = new LogManager({ level: "silent" }).logger("test");

export function paymentsMetadata(path: string): MetadataStore {
  const store = createMetadataStore(
    { logger: silent },
    { path, migrations: withPaymentsMigrations(MIGRATIONS) },
  );
  store.start();
  return store;
}

export function sender(devnet: Devnet, account: PrivateKeyAccount) {
  return testTransactionSender(account, devnet.chain, devnet.rpcUrl, devnet.publicClient as never);
}

export function channelReader(devnet: Devnet) {
  return contractChannelReader(devnet.publicClient as never, devnet.contracts.PaymentChannels.address);
}

export function providerAccounting(
  devnet: Devnet,
  dir: string,
  config: Partial<ProviderAccountingConfig> = {},
  reputation?: ReputationRecorder,
  role = "provider1",
): { accounting: ProviderAccounting; metadata: MetadataStore; sent: Array<{ functionName: string }> } {
  const metadata = paymentsMetadata(join(dir, `${role}.sqlite`));
  const transactions = sender(devnet, devnet.account(role));
  const accounting = createProviderAccounting(
    { metadata, channels: channelReader(devnet), transactions, reputation, logger: silent },
    {
      chainId: devnet.chain.id,
      paymentChannels: devnet.contracts.PaymentChannels.address,
      pricePerBlock: 1000n,
      paymentThreshold: 100_000n,
      closeWatchInterval: 0,
      ...config,
    },
  );
  accounting.start();
  return { accounting, metadata, sent: transactions.sent };
}

export async function channelPayer(
  devnet: Devnet,
  dir: string,
  config: Partial<ChannelPayerConfig> = {},
  role = "client1",
): Promise<{ payer: ChannelPayer; metadata: MetadataStore }> {
  const metadata = paymentsMetadata(join(dir, `${role}.sqlite`));
  const account = devnet.account(role);
  const payer = createChannelPayer(
    {
      metadata,
      channels: channelReader(devnet),
      transactions: sender(devnet, account),
      signer: account,
      logger: silent,
    },
    {
      chainId: devnet.chain.id,
      paymentChannels: devnet.contracts.PaymentChannels.address,
      budget: 10n ** 18n,
      channelDeposit: 1_000_000n,
      closeDelay: 60,
      ...config,
    },
  );
  await payer.start();
  return { payer, metadata };
}
