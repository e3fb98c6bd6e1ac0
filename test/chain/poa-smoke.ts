// Smoke test of the real Clique engine: a 2-sealer @ethereumjs/client network from genesis/.
//
//   node test/chain/poa-smoke.ts [--port 18545] [--p2p-port 31303] [--data-dir DIR]
//                                                                  (npm run test:smoke)
//
// It starts the network, deploys the contracts through the deploy pipeline (Ignition, as
// `npm start` does) and checks their code on both sealers, sends transactions through EACH
// sealer's RPC (value transfers and a PaymentChannels.open each) and waits for their
// receipts, checks that both sealers agree on the head block, and that the last 10 blocks
// alternate between the two sealers (signer recovered from the Clique seal). It prints
// PASS/FAIL per check, ends with "N passed, N failed", and always stops the chain.
//
// Default ports (18545/6 RPC, 31303/4 p2p) and data dir (.cairn/smoke-chain) differ from
// `npm run chain`, so it runs next to a devnet that is already up. Flags: --port (RPC of
// sealer 1, sealer 2 uses the next one; 1 to 65534), --p2p-port (devp2p of sealer 1, same
// rule), --data-dir (chain data, wiped at start; a folder, or a path that does not exist
// yet). A bad value exits 2 with "error: ...".
import path from "node:path";
import { parseArgs } from "node:util";
import { parseEther, type Address, type Hex } from "viem";
import { paymentChannelsAbi } from "../../node/src/generated/contracts.ts";
import { deployCairn } from "../../scripts/deploy/deploy.ts";
import { devAccount } from "../../scripts/lib/dev-accounts.ts";
import { ChainError } from "../../scripts/chain/errors.ts";
import { REPO_ROOT } from "../../scripts/chain/paths.ts";
import * as poa from "./poa-checks.ts";

export type { PoaSmokeResult, SmokeCheck } from "./poa-checks.ts";

export interface PoaSmokeOptions extends poa.PoaTestOptions {
  /** Deploys the project's contracts against rpcUrl (sealer 1). @default the deploy pipeline */
  deploy?: (rpcUrl: string) => Promise<Record<string, { address: Address }>>;
  /** Value transfers sent through each sealer. Default 3. */
  txsPerSealer?: number;
}

const SEALERS = 2;
const ALTERNATION_WINDOW = 10;
const RECEIPT_TIMEOUT_MS = 60_000;

export async function runPoaSmoke(opts: PoaSmokeOptions = {}): Promise<poa.PoaSmokeResult> {
  return poa.runPoaTest(
    opts,
    {
      sealers: SEALERS,
      rpcPort: 18545,
      p2pPort: 31303,
      dataDir: path.join(REPO_ROOT, ".cairn", "smoke-chain"),
      what: "the smoke test",
    },
    async ({ viemChain, nodes }, { check }) => {
      const [first] = nodes;
      if (first === undefined) throw new Error("startChain returned no node");
      const { sealersOf } = poa.sealerNames(nodes);

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
              const wallet = poa.walletOn(viemChain, node, `provider${i + 1}`);
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
        const { height, hash, heads } = await poa.commonHead(nodes);
        return `block ${height} = ${poa.short(hash)} on ${nodes.map((n) => n.name).join(" and ")} (heads ${heads.join(", ")})`;
      });

      // 4. The last blocks alternate between the two sealers.
      await check(
        `the last ${ALTERNATION_WINDOW} blocks alternate between the ${SEALERS} sealers`,
        async () => {
          const head = await poa.waitForHeight(first.client, BigInt(ALTERNATION_WINDOW + 1), 60_000);
          const from = head - BigInt(ALTERNATION_WINDOW) + 1n;
          const names = await sealersOf(first.client, from, head);
          const repeats = names.filter((s, k) => k > 0 && s === names[k - 1]).length;
          const distinct = new Set(names).size;
          if (names.some((s) => s.startsWith("unknown")) || repeats > 0 || distinct !== SEALERS) {
            throw new Error(`blocks ${from}-${head} signed by ${names.join(" ")}`);
          }
          return `blocks ${from}-${head} signed by ${names.join(" ")}`;
        },
      );
    },
  );
}

function readFlags() {
  return parseArgs({
    options: { port: { type: "string" }, "p2p-port": { type: "string" }, "data-dir": { type: "string" } },
    strict: true,
  }).values;
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
  let dataDir: string | undefined;
  try {
    rpcPort = num("--port", values.port);
    p2pPort = num("--p2p-port", values["p2p-port"]);
    dataDir = poa.dataDirFlag(values["data-dir"]);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 2;
  }
  poa.stopChainOnSignal();
  const result = await runPoaSmoke({ rpcPort, p2pPort, dataDir });
  return result.failed > 0 ? 1 : 0;
}

poa.runIfMain(import.meta.url, main);
