/**
 * The daemon: one Cairn node in this process. `startCairnNode(config)` wires logging,
 * metrics, the block and metadata stores, the wallet, the API token and the REST API, starts
 * them in that order and returns a handle whose `stop()` stops them in reverse.
 * `runUntilSignal` keeps it running until SIGINT or SIGTERM (what `cairn start` does).
 *
 *   const { config } = loadConfig();
 *   const node = await startCairnNode(config);
 *   console.log(node.apiUrl);
 *   await node.stop();
 */
import type { Logger } from "../logging/index.ts";
import type { NodeWallet, PassphrasePrompt } from "../wallet/index.ts";
import type { NodeConfig } from "../config/index.ts";
import { CairnNode } from "./node.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export { apiTokenPath, ensureApiToken, readApiTokenFile } from "./token.ts";
export { CairnNode };
/** Re-exported so a launcher needs one import: `loadConfig()` then `startCairnNode(config)`. */
export { ConfigError, loadConfig, type NodeConfig } from "../config/index.ts";

export interface CairnNodeComponents {
  /** @default logger("node") */
  logger?: Logger;
  /** A wallet already unlocked (tests); otherwise one is loaded from `config.wallet`. */
  wallet?: NodeWallet;
  /** How to ask for the keystore passphrase. @default a TTY prompt when there is a terminal */
  prompt?: PassphrasePrompt | false;
}

export interface CairnNodeInit {
  config: NodeConfig;
  /** Configure the process-wide log manager from `config.log`. @default true */
  configureLogging?: boolean;
  /** scrypt N for a keystore created on first start. @default the wallet's default (2^17) */
  scryptN?: number;
  /** Worker threads for erasure coding uploads. @default DEFAULT_UPLOAD_STRIPE_WORKERS (1) */
  stripeWorkers?: number;
}

export interface RunningNode {
  /** The REST API's base URL, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string;
  /** The file holding the API token, when it was generated or read from the data folder. */
  apiTokenPath: string | undefined;
  node: CairnNode;
  stop(): Promise<void>;
}

/** Creates and starts a node; on a failed start everything already started is stopped. */
export async function startCairnNode(
  config: NodeConfig,
  options: Omit<CairnNodeInit, "config"> & CairnNodeComponents = {},
): Promise<RunningNode> {
  const { logger, wallet, prompt, ...init } = options;
  const node = new CairnNode({ logger, wallet, prompt }, { ...init, config });
  await node.start();
  return { apiUrl: node.apiUrl, apiTokenPath: node.apiTokenPath, node, stop: () => node.stop() };
}

/**
 * Resolves once the node has stopped after SIGINT or SIGTERM. A second signal while stopping
 * exits at once with code 130, for a node stuck in shutdown.
 */
export function runUntilSignal(node: { stop(): Promise<void> }, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn("second signal while stopping; exiting now", { signal });
        process.exit(130);
      }
      stopping = true;
      log.info("stopping", { signal });
      node.stop().then(() => {
        for (const s of ["SIGINT", "SIGTERM"] as const) process.off(s, onSignal);
        resolve();
      }, reject);
    };
    for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, onSignal);
  });
}
