/**
 * Routes libp2p's own logging (debug-style, printf formatters) into Cairn's logger, so its
 * lines carry `cairn:network:libp2p:<component>` and obey `log.level`. libp2p logs routine
 * events (a failed dial, a reset stream) through `.error`, so every libp2p line goes out at
 * debug or trace: operators see them only when they ask for `cairn:network=debug`.
 */
import type { ComponentLogger, Logger as Libp2pLogger } from "@libp2p/interface";
import type { Logger, LogLevel } from "../logging/index.ts";

/** Expands debug's formatters (%s %d %o %O %j %p %a %c %e %b %t ...) with String(). */
function format(formatter: unknown, args: unknown[]): string {
  if (typeof formatter !== "string") return [formatter, ...args].map(String).join(" ");
  let i = 0;
  const text = formatter.replace(/%([a-zA-Z%])/g, (match, flag: string) => {
    if (flag === "%") return "%";
    if (i >= args.length) return match;
    const arg = args[i++];
    if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
    if (arg instanceof Uint8Array) return `<${arg.byteLength} bytes>`;
    if (typeof arg === "object" && arg !== null && (flag === "o" || flag === "O" || flag === "j")) {
      try {
        return JSON.stringify(arg, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      } catch {
        return String(arg);
      }
    }
    return String(arg);
  });
  const rest = args.slice(i).map(String);
  return rest.length === 0 ? text : `${text} ${rest.join(" ")}`;
}

function wrap(log: Logger): Libp2pLogger {
  const emit =
    (level: Exclude<LogLevel, "silent">) =>
    (formatter: unknown, ...args: unknown[]): void => {
      if (log.enabled(level)) log[level](format(formatter, args));
    };
  const fn = Object.assign(emit("debug"), {
    error: emit("debug"),
    trace: emit("trace"),
    newScope: (name: string) => wrap(log.child(name)),
  });
  // libp2p reads `enabled` to skip building costly log arguments.
  Object.defineProperty(fn, "enabled", { get: () => log.enabled("debug"), enumerable: true });
  return fn as unknown as Libp2pLogger;
}

/** A libp2p `ComponentLogger` writing under `base` (normally `cairn:network`). */
export function libp2pLogger(base: Logger): ComponentLogger {
  const root = base.child("libp2p");
  return {
    forComponent: (name: string) => wrap(root.child(name.replace(/^libp2p:/, ""))),
  };
}
