// Smoke test of the real Clique engine: a 2-sealer @ethereumjs/client network from genesis/.
//
//   node test/chain/poa-smoke.ts [--port 18545] [--p2p-port 31303]     (npm run test:smoke)
//
// It starts the network, deploys the contracts through the deploy pipeline (Ignition, as
// `npm start` does) and checks their code on both sealers, sends transactions through EACH
// sealer's RPC (value transfers and a PaymentChannels.open each) and waits for their
// receipts, checks that both sealers agree on the head block, and that the last 10 blocks
// alternate between the two sealers (signer recovered from the Clique seal). It prints
// PASS/FAIL per check, ends with "N passed, N failed", and always stops the chain.
//
// Default ports (18545/6 RPC, 31303/4 p2p) and data dir (.cairn/smoke-chain) differ from
// `npm run chain`, so it runs next to a devnet that is already up.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { paymentChannelsAbi } from "../../node/src/generated/contracts.ts";
import { deployCairn } from "../../scripts/deploy/deploy.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { cliqueSigner } from "../../scripts/chain/clique.ts";
import { ChainError } from "../../scripts/chain/errors.ts";
import { REPO_ROOT } from "../../scripts/chain/paths.ts";
import { stopAll } from "../../scripts/chain/proc.ts";
import { startChain, type RunningChain } from "../../scripts/chain/start.ts";

export interface PoaSmokeOptions {
  /** Deploys the project's contracts against rpcUrl (sealer 1). @default the deploy pipeline */
  deploy?: (rpcUrl: string) => Promise<Record<string, { address: Address }>>;
  /** RPC port of sealer 1 (sealer 2 uses the next one). Default 18545. */
  rpcPort?: number;
  /** devp2p port of sealer 1. Default 31303. */
  p2pPort?: number;
  /** Chain data, wiped at start. Default .cairn/smoke-chain. */
  dataDir?: string;
  /** Value transfers sent through each sealer. Default 3. */
  txsPerSealer?: number;
  /** Output lines (default console.log). */
  log?: (line: string) => void;
}

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PoaSmokeResult {
  passed: number;
  failed: number;
  checks: SmokeCheck[];
}

const SEALERS = 2;
const ALTERNATION_WINDOW = 10;
const RECEIPT_TIMEOUT_MS = 60_000;

function short(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

async function waitForHeight(client: PublicClient, height: bigint, timeoutMs: number): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await client.getBlockNumber({ cacheTime: 0 });
    if (n >= height) return n;
    if (Date.now() > deadline)
      throw new Error(`head stuck at block ${n}, wanted ${height} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function runPoaSmoke(opts: PoaSmokeOptions = {}): Promise<PoaSmokeResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const checks: SmokeCheck[] = [];
  const record = (name: string, ok: boolean, detail: string): boolean => {
    checks.push({ name, ok, detail });
    log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? ` — ${detail}` : ""}`);
    return ok;
  };
  /** Run one check; an exception is a FAIL with its first line. */
  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    try {
      return record(name, true, await fn());
    } catch (err) {
      return record(name, false, ((err as Error)?.message ?? String(err)).split("\n")[0] ?? "");
    }
  };

  let chain: RunningChain | undefined;
  try {
    const started = await check(`start a ${SEALERS}-sealer Clique network from genesis`, async () => {
      const t0 = Date.now();
      chain = await startChain({
        engine: "poa",
        sealers: SEALERS,
        rpcPort: opts.rpcPort ?? 18545,
        p2pPort: opts.p2pPort ?? 31303,
        dataDir: opts.dataDir ?? path.join(REPO_ROOT, ".cairn", "smoke-chain"),
      });
      return `${chain.rpcUrls.join(", ")} up in ${Math.round((Date.now() - t0) / 1000)}s, chainId ${chain.chainId}`;
    });
    if (!started || chain === undefined) return summary(checks, log);
    const running: RunningChain = chain;

    const viemChain: Chain = defineChain({
      id: running.chainId,
      name: "cairn-devnet",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: running.rpcUrls } },
    });
    const nodes = running.nodes.map((n) => ({
      ...n,
      client: createPublicClient({ chain: viemChain, transport: http(n.rpcUrl), pollingInterval: 500 }),
    }));
    const [first] = nodes;
    if (first === undefined) throw new Error("startChain returned no node");
    const clients = nodes.map((n) => n.client);
    const signers = nodes.map((n) => n.signer as Address);

    // 1. Deploy through the pipeline; the code must be on both sealers.
    const deploy =
      opts.deploy ??
      (async (rpcUrl: string) =>
        (await deployCairn({ rpcUrl, writeFiles: false, deploymentId: "smoke-test" })).contracts);
    let contracts: Record<string, { address: Address }> = {};
    await check("deploy the contracts through the deploy pipeline", async () => {
      const t0 = Date.now();
      contracts = await deploy(first.rpcUrl);
      const missing: string[] = [];
      for (const [name, { address }] of Object.entries(contracts)) {
        for (const node of nodes) {
          const code = await node.client.getCode({ address });
          if (code === undefined || code === "0x") missing.push(`${name} on ${node.name}`);
        }
      }
      if (Object.keys(contracts).length === 0) throw new Error("the pipeline deployed nothing");
      if (missing.length > 0) throw new Error(`no code for ${missing.join(", ")}`);
      return `${Object.keys(contracts).join(", ")} on both sealers in ${Math.round((Date.now() - t0) / 1000)}s`;
    });

    // 2. Transactions through EACH sealer's RPC (a different sender per sealer: no shared nonces).
    const recipient = devAccount("client1").address;
    const perSealer = opts.txsPerSealer ?? 3;
    await Promise.all(
      nodes.map((node, i) =>
        check(
          `${perSealer} transfers and a channel open sent through ${node.name} (${node.rpcUrl}) are mined`,
          async () => {
            const sender = privateKeyToAccount(devAccount(`provider${i + 1}`).privateKey);
            const wallet = createWalletClient({
              chain: viemChain,
              transport: http(node.rpcUrl),
              account: sender,
            });
            const hashes: Hex[] = [];
            for (let k = 0; k < perSealer; k++) {
              // Sent back to back: each uses the pending nonce, estimateGas and EIP-1559 fees.
              hashes.push(
                await wallet.sendTransaction({
                  to: recipient,
                  value: parseEther("0.001") * BigInt(k + 1),
                  type: "eip1559",
                }),
              );
            }
            // And a contract write: open a payment channel to client1.
            const channels = contracts.PaymentChannels;
            if (channels !== undefined) {
              hashes.push(
                await wallet.writeContract({
                  address: channels.address,
                  abi: paymentChannelsAbi,
                  functionName: "open",
                  args: [recipient, 3600],
                  value: parseEther("0.01"),
                  type: "eip1559",
                }),
              );
            }
            const receipts = await Promise.all(
              hashes.map((hash) =>
                node.client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS }),
              ),
            );
            const failed = receipts.filter((r) => r.status !== "success");
            if (failed.length > 0) throw new Error(`${failed.length} receipt(s) with status reverted`);
            const blocks = [...new Set(receipts.map((r) => r.blockNumber))].join(", ");
            return `${receipts.length} receipts, status success, in block(s) ${blocks}`;
          },
        ),
      ),
    );

    // 3. Both sealers agree on the head (same hash at the same height).
    await check("both sealers agree on the head block", async () => {
      const heads = await Promise.all(clients.map((c) => c.getBlockNumber({ cacheTime: 0 })));
      let height = heads[0] ?? 0n;
      for (const h of heads) if (h < height) height = h;
      const blocks = await Promise.all(clients.map((c) => c.getBlock({ blockNumber: height })));
      const hashes = blocks.map((b) => b.hash);
      if (new Set(hashes).size !== 1) {
        throw new Error(
          `block ${height}: ${running.nodes.map((n, i) => `${n.name} ${short(hashes[i] ?? "?")}`).join(" vs ")}`,
        );
      }
      return `block ${height} = ${short(hashes[0] ?? "?")} on ${running.nodes.map((n) => n.name).join(" and ")} (heads ${heads.join(", ")})`;
    });

    // 4. The last blocks alternate between the two sealers.
    await check(
      `the last ${ALTERNATION_WINDOW} blocks alternate between the ${SEALERS} sealers`,
      async () => {
        const head = await waitForHeight(first.client, BigInt(ALTERNATION_WINDOW + 1), 60_000);
        const from = head - BigInt(ALTERNATION_WINDOW) + 1n;
        const seq: Address[] = [];
        for (let n = from; n <= head; n++)
          seq.push(await cliqueSigner(await first.client.getBlock({ blockNumber: n })));
        const names = seq.map((a) => {
          const k = signers.findIndex((s) => s.toLowerCase() === a.toLowerCase());
          return k === -1 ? `unknown ${short(a)}` : `s${k + 1}`;
        });
        const repeats = names.filter((s, k) => k > 0 && s === names[k - 1]).length;
        const distinct = new Set(names).size;
        if (names.some((s) => s.startsWith("unknown")) || repeats > 0 || distinct !== SEALERS) {
          throw new Error(`blocks ${from}-${head} signed by ${names.join(" ")}`);
        }
        return `blocks ${from}-${head} signed by ${names.join(" ")}`;
      },
    );
  } catch (err) {
    record(
      "the smoke test ran to its end",
      false,
      ((err as Error)?.message ?? String(err)).split("\n")[0] ?? "",
    );
  } finally {
    if (chain !== undefined) {
      const running: RunningChain = chain;
      await check("stop the chain (no process left)", async () => {
        const t0 = Date.now();
        await running.stop();
        const alive = running.nodes.filter((n) => {
          try {
            process.kill(n.pid, 0);
            return true;
          } catch {
            return false;
          }
        });
        if (alive.length > 0)
          throw new Error(`still running: ${alive.map((n) => `${n.name} (pid ${n.pid})`).join(", ")}`);
        return `stopped in ${Math.round((Date.now() - t0) / 1000)}s`;
      });
    }
  }
  return summary(checks, log);
}

function summary(checks: SmokeCheck[], log: (l: string) => void): PoaSmokeResult {
  const passed = checks.filter((c) => c.ok).length;
  const failed = checks.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, checks };
}

function readFlags() {
  return parseArgs({ options: { port: { type: "string" }, "p2p-port": { type: "string" } }, strict: true })
    .values;
}

async function main(): Promise<number> {
  let values: ReturnType<typeof readFlags>;
  try {
    values = readFlags();
  } catch (err) {
    console.error(`error: ${(err as Error).message.split("\n")[0]}`);
    return 2;
  }
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65534)
      throw new ChainError(`${flag} must be a port number (got ${JSON.stringify(v)})`);
    return n;
  };
  let rpcPort: number | undefined;
  let p2pPort: number | undefined;
  try {
    rpcPort = num("--port", values.port);
    p2pPort = num("--p2p-port", values["p2p-port"]);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 2;
  }
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error("\ninterrupted: stopping the chain...");
    void stopAll({ intMs: 15_000, termMs: 5_000 }).then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const result = await runPoaSmoke({ rpcPort, p2pPort });
  return result.failed > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`error: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    },
  );
}
