/**
 * Shared pieces of the chain and market tests: a devnet whose anvil can be restarted on
 * the same port with its state (blocks and hashes included), a metadata store with the
 * chain (and market) tables, a logger that keeps its lines, metric readers, clients that
 * give the chain another node's habits, and a transaction that emits an event.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  type Hex,
  hexToBytes,
  http,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { anvilBinary } from "../../../scripts/chain/paths.ts";
import { CHAIN_SCHEMA } from "../../src/chain/index.ts";
import { paymentChannelsAbi } from "../../src/generated/contracts.ts";
import { type Logger, LogManager } from "../../src/logging/index.ts";
import type { Registry } from "../../src/metrics/index.ts";
import { createMetadataStore, type MetadataStore, MIGRATIONS } from "../../src/store/metadata/index.ts";
import { type Devnet, startDevnet } from "../helpers/devnet.ts";
import { asIfUnexecuted } from "../helpers/late-execution.ts";

/** A logger whose JSON lines are kept in `lines` (and not printed). */
export function captureLogger(name: string, level = "debug"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const manager = new LogManager({ level, format: "json", sink: (line) => lines.push(line) });
  return { logger: manager.logger(name), lines };
}

/** A metadata store at `path` with the node's migrations plus the given extra schemas, started. */
export function metadataStore(
  path: string,
  extra: ReadonlyArray<{ name: string; up: string }> = [],
): MetadataStore {
  const store = createMetadataStore(
    {},
    {
      path,
      migrations: [
        ...MIGRATIONS,
        { version: MIGRATIONS.length + 1, ...CHAIN_SCHEMA },
        ...extra.map((schema, i) => ({ version: MIGRATIONS.length + 2 + i, ...schema })),
      ],
    },
  );
  store.start();
  return store;
}

/** A temporary folder removed at the end of the test. */
export function tempFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The value of a counter or gauge series (0 when absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/** One block per transaction and none otherwise, as startDevnet leaves it (after a restart too). */
export async function automine(rpcUrl: string): Promise<void> {
  const test = createTestClient({ mode: "anvil", transport: http(rpcUrl) });
  // On anvil, interval mining 0 also turns automine off, so automine goes second.
  await test.setIntervalMining({ interval: 0 });
  await test.setAutomine(true);
}

export interface RestartableDevnet extends Devnet {
  /** Stops anvil (the RPC goes away) and keeps its state; `resume` brings it back. */
  halt(): Promise<void>;
  /** Starts anvil again on the same port from the state `halt` kept. */
  resume(): Promise<void>;
}

/**
 * A devnet whose RPC can go away and come back on the same port with the same chain
 * (blocks, hashes and state), as an operator's restarted node would. The state is taken
 * with `anvil_dumpState` and loaded with `--load-state`; anvil's transaction pool is not
 * part of it, so pending transactions are lost, as they may be in a real restart.
 */
export async function startRestartableDevnet(): Promise<RestartableDevnet> {
  const devnet = await startDevnet();
  const port = new URL(devnet.rpcUrl).port;
  const folder = tempFolder("cairn-anvil-state-");
  let replacement: ChildProcess | undefined;
  let original = true;
  const rpc = async (method: string, params: unknown[] = []) => {
    const response = await fetch(devnet.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    return ((await response.json()) as { result: unknown }).result;
  };
  const stopReplacement = async () => {
    const proc = replacement;
    replacement = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGINT");
    await exited;
  };
  const statePath = join(folder.path, "state.json");
  let lastTimestamp = 0;
  return {
    ...devnet,
    async halt() {
      const latest = (await rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
      lastTimestamp = Number(BigInt(latest.timestamp));
      const dump = (await rpc("anvil_dumpState")) as Hex;
      writeFileSync(statePath, gunzipSync(hexToBytes(dump)));
      if (original) {
        await devnet.stop();
        original = false;
      } else await stopReplacement();
    },
    async resume() {
      const proc = spawn(
        anvilBinary(),
        [
          "--load-state",
          statePath,
          "--chain-id",
          "98765",
          "--hardfork",
          "london",
          "--host",
          "127.0.0.1",
          "--port",
          port,
          "--accounts",
          "0",
        ],
        { stdio: "ignore" },
      );
      replacement = proc;
      for (let i = 0; i < 100; i++) {
        try {
          if ((await rpc("eth_chainId")) !== undefined) break;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await automine(devnet.rpcUrl);
      // A loaded anvil takes the wall clock for its next blocks; the chain's own clock (moved
      // by tests, and ahead of or behind the wall) goes on from its last block instead.
      await rpc("evm_setTime", [lastTimestamp + 1]);
    },
    async stop() {
      if (original) await devnet.stop();
      await stopReplacement();
      folder.remove();
    },
  };
}

/** One call to the chain, and a way to pass it on unchanged. */
export type Interposer = (
  call: { method: string; params: unknown },
  forward: () => Promise<unknown>,
) => unknown;

/** A client whose every call goes through `answer` on its way to `client`. */
export function interposedClient(devnet: Devnet, client: PublicClient, answer: Interposer): PublicClient {
  return createPublicClient({
    chain: devnet.chain,
    cacheTime: 0,
    transport: custom({
      request: async ({ method, params }) =>
        answer({ method, params }, () => client.request({ method, params } as never)),
    }),
  }) as PublicClient;
}

/**
 * A client that, like @ethereumjs/client, has blocks from `hold(block)` on sealed and not
 * executed: they are on the chain, but have no receipts and no logs, until `release()`.
 */
export function lateExecution(devnet: Devnet, client: PublicClient) {
  let unexecutedFrom: bigint | undefined;
  return {
    client: interposedClient(devnet, client, async ({ method }, forward) =>
      asIfUnexecuted(method, await forward(), unexecutedFrom),
    ),
    hold(fromBlock: bigint) {
      unexecutedFrom = fromBlock;
    },
    release() {
      unexecutedFrom = undefined;
    },
  };
}

/** A wallet client for one of the devnet's named accounts, sending past any manager. */
export function walletOf(devnet: Devnet, role: string) {
  return createWalletClient({
    account: devnet.account(role),
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
  });
}

/** Opens a channel from client1 to provider1, one ChannelOpened event; its mined receipt. */
export async function openChannel(devnet: Devnet, client: PublicClient): Promise<TransactionReceipt> {
  const hash = await walletOf(devnet, "client1").writeContract({
    address: devnet.contracts.PaymentChannels.address,
    abi: paymentChannelsAbi,
    functionName: "open",
    args: [devnet.account("provider1").address, 3600],
    value: 1000n,
  } as never);
  return client.waitForTransactionReceipt({ hash });
}
