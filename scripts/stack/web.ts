/**
 * The dApp (web/, Next.js) as a child process: `next dev` by default, which compiles pages
 * on first visit and needs no build step, or a production build (`next build`, then
 * `next start`). It is pointed at the chain and the indexer through its NEXT_PUBLIC_*
 * settings and offers the dev-account wallet, because this is the local devnet.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ChainError } from "../chain/errors.ts";
import { REPO_ROOT } from "../chain/paths.ts";
import { spawnLogged, stopProcess, type ManagedProcess } from "../chain/proc.ts";
import { sleep } from "../chain/rpc.ts";

const WEB_DIR = join(REPO_ROOT, "web");
/** `next dev` compiles its first page on a cold 2-core machine in about a minute. */
const START_TIMEOUT_MS = 180_000;
const STOP_TIMINGS = { intMs: 5_000, termMs: 3_000 };

export interface StartWebOptions {
  port: number;
  rpcUrl: string;
  graphqlUrl: string;
  /** Folder for the server's log file. */
  logDir: string;
  /** Serve a production build (built first) instead of `next dev`. @default false */
  production?: boolean;
  /** Next's build folder, so two servers of the same app do not share one. @default ".next" */
  distDir?: string;
}

export interface WebServer {
  url: string;
  logFile: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Next's CLI as web/ resolves it (npm may install it under web/ or hoist it to the root). */
function nextBinary(): string {
  return createRequire(join(WEB_DIR, "package.json")).resolve("next/dist/bin/next");
}

export async function startWebServer(options: StartWebOptions): Promise<WebServer> {
  const url = `http://127.0.0.1:${options.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_PUBLIC_CAIRN_RPC_URL: options.rpcUrl,
    NEXT_PUBLIC_CAIRN_SUBGRAPH_URL: options.graphqlUrl,
    NEXT_PUBLIC_CAIRN_DEVNET: "true",
    NEXT_TELEMETRY_DISABLED: "1",
    ...(options.distDir === undefined ? {} : { CAIRN_WEB_DIST_DIR: options.distDir }),
  };
  const next = nextBinary();
  const logFile = join(options.logDir, "web.log");
  if (options.production) {
    const build = spawnSync(process.execPath, [next, "build"], { cwd: WEB_DIR, env, encoding: "utf8" });
    if (build.status !== 0) throw new ChainError(`next build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const mode = options.production ? "start" : "dev";
  const proc = spawnLogged(
    "web",
    process.execPath,
    [next, mode, "--port", String(options.port), "--hostname", "127.0.0.1"],
    {
      logFile,
      cwd: WEB_DIR,
      env,
    },
  );
  const stop = () => stopProcess(proc, STOP_TIMINGS);
  try {
    // The dev-accounts route answers once the server has compiled its first route.
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (proc.exitInfo !== undefined)
        throw new ChainError(`the dApp server exited (code ${proc.exitInfo.code}); see ${logFile}`);
      const status = await fetch(`${url}/api/dev-accounts`).then(
        (response) => response.status,
        () => 0,
      );
      if (status > 0 && status < 500) break;
      if (Date.now() > deadline)
        throw new ChainError(
          `the dApp did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`,
        );
      await sleep(500);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logFile, process: proc, stop };
}
