/**
 * The chain half of a test provider or validator node: its own metrics registry, a
 * logger that keeps its lines, and a started transaction manager for a dev account.
 */
import type { PublicClient } from "viem";
import { createTransactionManager, type TransactionManager } from "../../src/chain/index.ts";
import type { Logger } from "../../src/logging/index.ts";
import { createMetricsRegistry, type Registry } from "../../src/metrics/index.ts";
import { captureLogger } from "../chain/helpers.ts";
import type { Devnet } from "./devnet.ts";

export interface NodeSender {
  sender: TransactionManager;
  metrics: Registry;
  /** The node's logger (`node:<role>`); children name the part. */
  logger: Logger;
  lines: string[];
}

export async function startNodeSender(
  devnet: Pick<Devnet, "chain" | "account">,
  publicClient: PublicClient,
  role: string,
): Promise<NodeSender> {
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const { logger, lines } = captureLogger(`node:${role}`);
  const sender = createTransactionManager(
    { publicClient, account: devnet.account(role), logger: logger.child("chain:tx"), metrics },
    { chainId: devnet.chain.id, pollIntervalMs: 25 },
  );
  await sender.start();
  return { sender, metrics, logger, lines };
}
