/**
 * Starts, once for all unit test files, what the actions, queries and hooks talk to: the
 * chain from genesis/ (anvil unless CHAIN=poa), the contracts through the deploy pipeline,
 * and the local indexer. Test files read the URLs with `inject("rpcUrl")` and friends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startChain } from "../../../scripts/chain/start.ts";
import { existsSync } from "node:fs";
import { deployCairn } from "../../../scripts/deploy/deploy.ts";
import { deploymentPath } from "../../../scripts/deploy/deployment-file.ts";
import { devAccounts } from "../../../scripts/lib/dev-accounts.ts";
import type { DevAccount } from "../../src/wallet/dev-accounts.ts";
import { startLocalIndexer } from "./indexer.ts";
import { UNIT_PORTS } from "./ports.ts";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
    graphqlUrl: string;
    devAccounts: DevAccount[];
  }
}

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), "cairn-web-unit-"));
  const chain = await startChain({
    engine: process.env.CHAIN === "poa" ? "poa" : "anvil",
    rpcPort: UNIT_PORTS.rpc,
    p2pPort: UNIT_PORTS.p2p,
    dataDir: join(stateDir, "chain"),
  });
  try {
    const rpcUrl = chain.rpcUrls[0] ?? `http://127.0.0.1:${UNIT_PORTS.rpc}`;
    // A checkout that never deployed has no devnet addresses in the generated module yet;
    // write them, as `npm run deploy` would. This file must not import the module itself:
    // vitest would then hand the test files its stale, empty copy.
    const deployment = await deployCairn({
      rpcUrl,
      writeFiles: !existsSync(deploymentPath(98765)),
      deploymentId: "web-unit",
    });
    const indexer = await startLocalIndexer({
      rpcUrl,
      deployment,
      dataDir: join(stateDir, "indexer"),
      port: UNIT_PORTS.indexer,
      log: () => {},
    });
    project.provide("rpcUrl", rpcUrl);
    project.provide("graphqlUrl", indexer.url);
    project.provide("devAccounts", [...devAccounts]);
    return async () => {
      await indexer.stop();
      await chain.stop();
      rmSync(stateDir, { recursive: true, force: true });
    };
  } catch (error) {
    await chain.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}
