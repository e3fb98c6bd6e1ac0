// Child processes with a log file each, stopped by escalating SIGINT -> SIGTERM -> SIGKILL.
//
// Each child runs in its own process group (detached), so that:
//  - a Ctrl-C in the terminal reaches only our CLI, which then stops the children in order
//    (the ethereumjs client must not get two shutdown requests at once);
//  - a stop signal goes to the whole group, so nothing the child started is left behind.
// If this Node process exits without stopping them (an uncaught error), the 'exit' hook
// SIGKILLs every group still alive, so no orphan keeps a port busy.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { ChainError } from "./errors.ts";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<ExitInfo>;
  /** Set once exited. */
  exitInfo: ExitInfo | undefined;
  /** True once stop() was called: an exit after that is expected. */
  stopping: boolean;
}

export interface StopTimings {
  /** How long to wait after SIGINT (the ethereumjs client needs about 8-10 s to shut down cleanly). */
  intMs: number;
  /** How long to wait after SIGTERM before SIGKILL. */
  termMs: number;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function signalGroup(p: ManagedProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, signal); // the whole process group
  } catch {
    try {
      process.kill(p.pid, signal);
    } catch {
      // already gone
    }
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const p of live) signalGroup(p, "SIGKILL");
  });
}

/** Start `command args` with stdout and stderr appended to logFile. */
export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): ManagedProcess {
  installExitHook();
  const fd = openSync(opts.logFile, "a");
  writeSync(fd, `# ${new Date().toISOString()} ${name}: ${[command, ...args].join(" ")}\n`);
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ["ignore", fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    child.on("error", () => {}); // the spawn error is reported here instead
    throw new ChainError(`could not start ${name}: ${command} is missing or not executable`);
  }
  let settle: (info: ExitInfo) => void = () => {};
  const p: ManagedProcess = {
    name,
    pid,
    logFile: opts.logFile,
    child,
    exited: new Promise<ExitInfo>((resolve) => {
      settle = resolve;
    }),
    exitInfo: undefined,
    stopping: false,
  };
  const onExit = (info: ExitInfo): void => {
    if (p.exitInfo !== undefined) return;
    p.exitInfo = info;
    live.delete(p);
    settle(info);
  };
  child.once("exit", (code, signal) => onExit({ code, signal }));
  child.once("error", () => onExit({ code: -1, signal: null }));
  live.add(p);
  return p;
}

function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Stop one process: SIGINT, then SIGTERM, then SIGKILL; finally SIGKILL anything left in its group. */
export async function stopProcess(p: ManagedProcess, timings: StopTimings): Promise<void> {
  p.stopping = true;
  if (p.exitInfo === undefined) {
    signalGroup(p, "SIGINT");
    if (!(await within(p.exited, timings.intMs))) {
      signalGroup(p, "SIGTERM");
      if (!(await within(p.exited, timings.termMs))) {
        signalGroup(p, "SIGKILL");
        await within(p.exited, 5000);
      }
    }
  }
  // The leader is gone; make sure no member of its group survives it.
  if (groupAlive(p.pid)) signalGroup(p, "SIGKILL");
}

/** SIGKILL every process started here that is still running (second Ctrl-C). */
export function killAllNow(): void {
  for (const p of live) {
    p.stopping = true;
    signalGroup(p, "SIGKILL");
  }
}

/** Stop every process started here that is still running (e.g. Ctrl-C during start-up). */
export async function stopAll(timings: StopTimings): Promise<void> {
  await Promise.all([...live].map((p) => stopProcess(p, timings)));
}
