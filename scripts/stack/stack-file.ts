/**
 * .cairn/stack.json: what a running `npm start` brought up (the chain's RPC, the
 * contracts, the indexer, each node's REST API, token file and process id), so that
 * `npm run demo` and other tools can find the network without being told. `npm start`
 * writes it once everything is up and removes it when it stops.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ChainError } from "../chain/errors.ts";
import type { DeploymentFile } from "../deploy/deployment-file.ts";
import { writeFileAtomic } from "../lib/atomic-write.ts";
import { STATE_DIR } from "../lib/paths.ts";

export const STACK_FILE = join(STATE_DIR, "stack.json");

export interface StackFileNode {
  /** The dev account role it signs with: provider1, client1, validator. */
  name: string;
  apiUrl: string;
  apiTokenPath: string;
  /** The `cairn start` process (the leader of its process group). */
  pid: number;
  peerId: string;
  logFile: string;
}

export interface StackFile {
  engine: string;
  chainId: number;
  rpcUrl: string;
  graphqlUrl: string;
  webUrl?: string;
  contracts: DeploymentFile["contracts"];
  nodes: StackFileNode[];
}

export function writeStackFile(stack: StackFile, path = STACK_FILE): void {
  writeFileAtomic(path, `${JSON.stringify(stack, null, 2)}\n`);
}

export function removeStackFile(path = STACK_FILE): void {
  rmSync(path, { force: true });
}

/** The running network, checked enough that a stale or hand-edited file fails clearly. */
export function readStackFile(path = STACK_FILE): StackFile {
  if (!existsSync(path)) {
    throw new ChainError(`no local network is running (${path} is missing): start one with \`npm start\``);
  }
  let parsed: Partial<StackFile>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<StackFile>;
  } catch {
    throw new ChainError(
      `${path} is not a stack file written by \`npm start\` (not JSON); restart the network`,
    );
  }
  const nodesOk =
    Array.isArray(parsed.nodes) &&
    parsed.nodes.every(
      (node) =>
        typeof node?.name === "string" &&
        typeof node.apiUrl === "string" &&
        typeof node.apiTokenPath === "string" &&
        Number.isInteger(node.pid),
    );
  if (
    typeof parsed.rpcUrl !== "string" ||
    typeof parsed.chainId !== "number" ||
    typeof parsed.contracts !== "object" ||
    !nodesOk
  ) {
    throw new ChainError(`${path} is not a stack file written by \`npm start\`; restart the network`);
  }
  return parsed as StackFile;
}
