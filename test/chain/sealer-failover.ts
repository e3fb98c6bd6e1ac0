// Failover test of the real Clique engine: a 3-sealer @ethereumjs/client network from
// genesis/, one sealer killed (SIGKILL, as a crash), and the chain goes on.
//
//   node test/chain/sealer-failover.ts [--port 18645] [--p2p-port 31403] [--kill 2]
//                                                              (npm run test:failover)
//
// Clique lets a signer seal at most one of any floor(N/2)+1 consecutive blocks, so 3
// sealers need 2 online. The test starts 3, waits until each has sealed a block, kills one,
// and checks that: the head moves on through both survivors' RPCs; a transfer sent through
// a survivor's RPC after the kill is mined and seen by the other survivor; no block after
// the kill is sealed by the dead sealer, and both survivors seal (they take over its turns);
// the survivors agree on the head. It prints PASS/FAIL per check, ends with
// "N passed, N failed", and always stops the chain. No contracts are deployed: value
// transfers are enough to show that transactions still get in.
//
// Default ports (18645-7 RPC, 31403-5 p2p) and data dir (.cairn/failover-chain) differ from
// `npm run chain` and `npm run test:smoke`, so it runs next to either.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cliqueSigner } from "../../scripts/chain/clique.ts";
import { ChainError } from "../../scripts/chain/errors.ts";
import { REPO_ROOT } from "../../scripts/chain/paths.ts";
import { stopAll } from "../../scripts/chain/proc.ts";
import { tryRpc } from "../../scripts/chain/rpc.ts";
import { type RunningChain, startChain } from "../../scripts/chain/start.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import type { PoaSmokeResult, SmokeCheck } from "./poa-smoke.ts";

export interface SealerFailoverOptions {
  /** RPC port of sealer 1 (sealer N uses rpcPort + N - 1). Default 18645. */
  rpcPort?: number;
  /** devp2p port of sealer 1. Default 31403. */
  p2pPort?: number;
  /** Chain data, wiped at start. Default .cairn/failover-chain. */
  dataDir?: string;
  /** The sealer to kill, 1 to 3. Default 2. */
  kill?: number;
  /** Blocks that must follow the kill. Default 6 (about 3 in-turn turns of each survivor). */
  blocksAfterKill?: number;
  /** Output lines (default console.log). */
  log?: (line: string) => void;
}

const SEALERS = 3;
/** With the dead sealer's turns taken out of turn (one more period, patch edit 10), a block takes 2 to 5.5 s. */
const BLOCK_TIMEOUT_MS = 15_000;
const RECEIPT_TIMEOUT_MS = 60_000;

function short(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForHeight(client: PublicClient, height: bigint, timeoutMs: number): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await client.getBlockNumber({ cacheTime: 0 });
    if (n >= height) return n;
    if (Date.now() > deadline)
      throw new Error(`head stuck at block ${n}, wanted ${height} within ${timeoutMs / 1000}s`);
    await sleep(500);
  }
}

export async function runSealerFailover(opts: SealerFailoverOptions = {}): Promise<PoaSmokeResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const killIndex = (opts.kill ?? 2) - 1;
  const blocksAfterKill = BigInt(opts.blocksAfterKill ?? 6);
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
        rpcPort: opts.rpcPort ?? 18645,
        p2pPort: opts.p2pPort ?? 31403,
        dataDir: opts.dataDir ?? path.join(REPO_ROOT, ".cairn", "failover-chain"),
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
    const victim = nodes[killIndex];
    const survivors = nodes.filter((_, i) => i !== killIndex);
    const [first, second] = survivors;
    if (victim === undefined || first === undefined || second === undefined)
      throw new Error(`no sealer ${killIndex + 1} among ${nodes.length}`);
    const signers = nodes.map((n) => (n.signer ?? "0x") as Address);
    const nameOf = (a: Address): string => {
      const k = signers.findIndex((s) => s.toLowerCase() === a.toLowerCase());
      return k === -1 ? `unknown ${short(a)}` : `s${k + 1}`;
    };
    const sealersOf = async (client: PublicClient, from: bigint, to: bigint): Promise<string[]> => {
      const names: string[] = [];
      for (let n = from; n <= to; n++)
        names.push(nameOf(await cliqueSigner(await client.getBlock({ blockNumber: n }))));
      return names;
    };

    // 1. Before the kill, all three seal: otherwise "its blocks stop" would prove nothing.
    const allSealing = await check(`all ${SEALERS} sealers seal before the kill`, async () => {
      const deadline = Date.now() + 60_000;
      let from = 1n;
      const seen: string[] = [];
      for (;;) {
        const head = await first.client.getBlockNumber({ cacheTime: 0 });
        if (head >= from) {
          seen.push(...(await sealersOf(first.client, from, head)));
          from = head + 1n;
        }
        if (nodes.every((_, k) => seen.includes(`s${k + 1}`)))
          return `blocks 1-${from - 1n} signed by ${seen.join(" ")}`;
        if (Date.now() > deadline)
          throw new Error(`after 60s blocks 1-${from - 1n} signed by ${seen.join(" ")}`);
        await sleep(500);
      }
    });
    if (!allSealing) return summary(checks, log);

    // 2. Kill one (its whole process group, with no chance to shut down cleanly).
    let killedAt = 0n;
    const killed = await check(`kill ${victim.name} (SIGKILL)`, async () => {
      process.kill(-victim.pid, "SIGKILL");
      const deadline = Date.now() + 10_000;
      while ((await tryRpc(victim.rpcUrl, "eth_blockNumber", [], 500)) !== undefined) {
        if (Date.now() > deadline) throw new Error(`${victim.rpcUrl} still answers 10s after SIGKILL`);
        await sleep(200);
      }
      // Its last block may still be on its way to the survivors: anything above this
      // height + 1 was sealed after it died.
      const heads = await Promise.all(survivors.map((n) => n.client.getBlockNumber({ cacheTime: 0 })));
      // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min/max take numbers only
      killedAt = heads.reduce((a, b) => (a > b ? a : b));
      return `pid ${victim.pid} gone, its RPC ${victim.rpcUrl} is down; survivors' heads ${heads.join(", ")}`;
    });
    if (!killed) return summary(checks, log);

    // 3. Blocks keep coming, on both survivors.
    const target = killedAt + blocksAfterKill;
    await Promise.all(
      survivors.map((node) =>
        check(`${node.name} reaches block ${target} (${blocksAfterKill} blocks after the kill)`, async () => {
          const t0 = Date.now();
          const head = await waitForHeight(node.client, target, Number(blocksAfterKill) * BLOCK_TIMEOUT_MS);
          return `head ${head} after ${Math.round((Date.now() - t0) / 1000)}s`;
        }),
      ),
    );

    // 4. A transaction sent through a survivor after the kill is mined, and the other one has it.
    await Promise.all(
      survivors.map((node, i) =>
        check(`a transfer sent through ${node.name} after the kill is mined on both survivors`, async () => {
          const sender = privateKeyToAccount(devAccount(`provider${i + 1}`).privateKey);
          const wallet = createWalletClient({
            chain: viemChain,
            transport: http(node.rpcUrl),
            account: sender,
          });
          const recipient = devAccount("client1").address;
          const before = await node.client.getBalance({ address: recipient });
          const hash = await wallet.sendTransaction({
            to: recipient,
            value: parseEther("0.001"),
            type: "eip1559",
          });
          const receipt = await node.client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
          if (receipt.status !== "success") throw new Error(`${hash} reverted`);
          if (receipt.blockNumber <= killedAt)
            throw new Error(`mined in block ${receipt.blockNumber}, before the kill`);
          const other = survivors[1 - i];
          if (other === undefined) throw new Error("one survivor only");
          const theirs = await other.client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
          if (theirs.blockHash !== receipt.blockHash)
            throw new Error(
              `${other.name} has it in block ${short(theirs.blockHash)}, not ${short(receipt.blockHash)}`,
            );
          const after = await node.client.getBalance({
            address: recipient,
            blockNumber: receipt.blockNumber,
          });
          if (after < before) throw new Error("the recipient's balance did not grow");
          return `${short(hash)} in block ${receipt.blockNumber} (sealed by ${nameOf(await cliqueSigner(await node.client.getBlock({ blockNumber: receipt.blockNumber })))})`;
        }),
      ),
    );

    // 5. The dead sealer's blocks stop, and both survivors seal.
    await check(`no block after the kill is sealed by ${victim.name}; both survivors seal`, async () => {
      const head = await first.client.getBlockNumber({ cacheTime: 0 });
      const from = killedAt + 2n;
      const names = await sealersOf(first.client, from, head);
      const dead = `s${killIndex + 1}`;
      const bad = names.filter((s) => s === dead || s.startsWith("unknown"));
      const by = survivors.map((n) => `s${nodes.indexOf(n) + 1}`);
      const missing = by.filter((s) => !names.includes(s));
      if (head < from + 3n) throw new Error(`only blocks ${from}-${head} after the kill to look at`);
      if (bad.length > 0 || missing.length > 0)
        throw new Error(`blocks ${from}-${head} signed by ${names.join(" ")}`);
      return `blocks ${from}-${head} signed by ${names.join(" ")}`;
    });

    // 6. The survivors agree on the chain (no split while taking over the dead sealer's turns).
    await check("the survivors agree on the head block", async () => {
      const heads = await Promise.all(survivors.map((n) => n.client.getBlockNumber({ cacheTime: 0 })));
      // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min/max take numbers only
      const height = heads.reduce((a, b) => (a < b ? a : b));
      const blocks = await Promise.all(survivors.map((n) => n.client.getBlock({ blockNumber: height })));
      const hashes = blocks.map((b) => b.hash);
      if (new Set(hashes).size !== 1)
        throw new Error(
          `block ${height}: ${survivors.map((n, i) => `${n.name} ${short(hashes[i] ?? "?")}`).join(" vs ")}`,
        );
      return `block ${height} = ${short(hashes[0] ?? "?")} on ${survivors.map((n) => n.name).join(" and ")}`;
    });
  } catch (err) {
    record(
      "the failover test ran to its end",
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
  return parseArgs({
    options: { port: { type: "string" }, "p2p-port": { type: "string" }, kill: { type: "string" } },
    strict: true,
  }).values;
}

async function main(): Promise<number> {
  let rpcPort: number | undefined;
  let p2pPort: number | undefined;
  let kill: number | undefined;
  try {
    const values = readFlags();
    const num = (flag: string, v: string | undefined, min: number, max: number): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new ChainError(`${flag} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return n;
    };
    rpcPort = num("--port", values.port, 1, 65533);
    p2pPort = num("--p2p-port", values["p2p-port"], 1, 65533);
    kill = num("--kill", values.kill, 1, SEALERS);
  } catch (err) {
    console.error(`error: ${(err as Error).message.split("\n")[0]}`);
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
  const result = await runSealerFailover({ rpcPort, p2pPort, kill });
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
