// Failover test of the real Clique engine: a 3-sealer @ethereumjs/client network from
// genesis/, one sealer killed (SIGKILL, as a crash), and the chain goes on.
//
//   node test/chain/sealer-failover.ts [--port 18645] [--p2p-port 31403] [--kill 2]
//                                      [--data-dir DIR]        (npm run test:failover)
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
// `npm run chain` and `npm run test:smoke`, so it runs next to either. Flags: --port (RPC of
// sealer 1, sealer N uses port + N - 1; 1 to 65533), --p2p-port (devp2p of sealer 1, same
// rule), --kill (the sealer to kill, 1 to 3), --data-dir (chain data, wiped at start; a
// folder, or a path that does not exist yet). A bad value exits 2 with "error: ...".
import path from "node:path";
import { parseArgs } from "node:util";
import { parseEther } from "viem";
import { cliqueSigner } from "../../scripts/chain/clique.ts";
import { ChainError } from "../../scripts/chain/errors.ts";
import { REPO_ROOT } from "../../scripts/chain/paths.ts";
import { tryRpc } from "../../scripts/chain/rpc.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import * as poa from "./poa-checks.ts";

export interface SealerFailoverOptions extends poa.PoaTestOptions {
  /** The sealer to kill, 1 to 3. Default 2. */
  kill?: number;
  /** Blocks that must follow the kill. Default 6 (about 3 in-turn turns of each survivor). */
  blocksAfterKill?: number;
}

const SEALERS = 3;
/** With the dead sealer's turns taken out of turn (one more period, patch edit 10), a block takes 2 to 5.5 s. */
const BLOCK_TIMEOUT_MS = 15_000;
const RECEIPT_TIMEOUT_MS = 60_000;

export async function runSealerFailover(opts: SealerFailoverOptions = {}): Promise<poa.PoaSmokeResult> {
  const killIndex = (opts.kill ?? 2) - 1;
  const blocksAfterKill = BigInt(opts.blocksAfterKill ?? 6);
  return poa.runPoaTest(
    opts,
    {
      sealers: SEALERS,
      rpcPort: 18645,
      p2pPort: 31403,
      dataDir: path.join(REPO_ROOT, ".cairn", "failover-chain"),
      what: "the failover test",
    },
    async ({ viemChain, nodes }, { check }) => {
      const victim = nodes[killIndex];
      const survivors = nodes.filter((_, i) => i !== killIndex);
      const [first, second] = survivors;
      if (victim === undefined || first === undefined || second === undefined)
        throw new Error(`no sealer ${killIndex + 1} among ${nodes.length}`);
      const { nameOf, sealersOf } = poa.sealerNames(nodes);

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
          await poa.sleep(500);
        }
      });
      if (!allSealing) return;

      // 2. Kill one (its whole process group, with no chance to shut down cleanly).
      let killedAt = 0n;
      const killed = await check(`kill ${victim.name} (SIGKILL)`, async () => {
        process.kill(-victim.pid, "SIGKILL");
        const deadline = Date.now() + 10_000;
        while ((await tryRpc(victim.rpcUrl, "eth_blockNumber", [], 500)) !== undefined) {
          if (Date.now() > deadline) throw new Error(`${victim.rpcUrl} still answers 10s after SIGKILL`);
          await poa.sleep(200);
        }
        // Its last block may still be on its way to the survivors: anything above this
        // height + 1 was sealed after it died.
        const heads = await Promise.all(survivors.map((n) => n.client.getBlockNumber({ cacheTime: 0 })));
        // biome-ignore lint/complexity/useMathMinMax: bigints; Math.min/max take numbers only
        killedAt = heads.reduce((a, b) => (a > b ? a : b));
        return `pid ${victim.pid} gone, its RPC ${victim.rpcUrl} is down; survivors' heads ${heads.join(", ")}`;
      });
      if (!killed) return;

      // 3. Blocks keep coming, on both survivors.
      const target = killedAt + blocksAfterKill;
      await Promise.all(
        survivors.map((node) =>
          check(
            `${node.name} reaches block ${target} (${blocksAfterKill} blocks after the kill)`,
            async () => {
              const t0 = Date.now();
              const head = await poa.waitForHeight(
                node.client,
                target,
                Number(blocksAfterKill) * BLOCK_TIMEOUT_MS,
              );
              return `head ${head} after ${Math.round((Date.now() - t0) / 1000)}s`;
            },
          ),
        ),
      );

      // 4. A transaction sent through a survivor after the kill is mined, and the other one has it.
      await Promise.all(
        survivors.map((node, i) =>
          check(
            `a transfer sent through ${node.name} after the kill is mined on both survivors`,
            async () => {
              const wallet = poa.walletOn(viemChain, node, `provider${i + 1}`);
              const recipient = devAccount("client1").address;
              const before = await node.client.getBalance({ address: recipient });
              const hash = await wallet.sendTransaction({
                to: recipient,
                value: parseEther("0.001"),
                type: "eip1559",
              });
              const receipt = await node.client.waitForTransactionReceipt({
                hash,
                timeout: RECEIPT_TIMEOUT_MS,
              });
              if (receipt.status !== "success") throw new Error(`${hash} reverted`);
              if (receipt.blockNumber <= killedAt)
                throw new Error(`mined in block ${receipt.blockNumber}, before the kill`);
              const other = survivors[1 - i];
              if (other === undefined) throw new Error("one survivor only");
              const theirs = await other.client.waitForTransactionReceipt({
                hash,
                timeout: RECEIPT_TIMEOUT_MS,
              });
              if (theirs.blockHash !== receipt.blockHash)
                throw new Error(
                  `${other.name} has it in block ${poa.short(theirs.blockHash)}, not ${poa.short(receipt.blockHash)}`,
                );
              const after = await node.client.getBalance({
                address: recipient,
                blockNumber: receipt.blockNumber,
              });
              if (after < before) throw new Error("the recipient's balance did not grow");
              return `${poa.short(hash)} in block ${receipt.blockNumber} (sealed by ${nameOf(await cliqueSigner(await node.client.getBlock({ blockNumber: receipt.blockNumber })))})`;
            },
          ),
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
        const { height, hash } = await poa.commonHead(survivors);
        return `block ${height} = ${poa.short(hash)} on ${survivors.map((n) => n.name).join(" and ")}`;
      });
    },
  );
}

function readFlags() {
  return parseArgs({
    options: {
      port: { type: "string" },
      "p2p-port": { type: "string" },
      kill: { type: "string" },
      "data-dir": { type: "string" },
    },
    strict: true,
  }).values;
}

async function main(): Promise<number> {
  let rpcPort: number | undefined;
  let p2pPort: number | undefined;
  let kill: number | undefined;
  let dataDir: string | undefined;
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
    dataDir = poa.dataDirFlag(values["data-dir"]);
  } catch (err) {
    console.error(`error: ${(err as Error).message.split("\n")[0]}`);
    return 2;
  }
  poa.stopChainOnSignal();
  const result = await runSealerFailover({ rpcPort, p2pPort, kill, dataDir });
  return result.failed > 0 ? 1 : 0;
}

poa.runIfMain(import.meta.url, main);
