/** Well-known paths of the repository, resolved from this file so any cwd works. */
import { fileURLToPath } from "node:url";

const fromRoot = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url));

export const ROOT_DIR = fromRoot("");
/** Local, git-ignored state: chain data, logs, Ignition journals, node data. */
export const STATE_DIR = fromRoot(".cairn");
export const DEPLOYMENTS_DIR = fromRoot("deployments");
export const ARTIFACTS_DIR = fromRoot("artifacts");
export const GENERATED_CONTRACTS_MODULE = fromRoot("node/src/generated/contracts.ts");
