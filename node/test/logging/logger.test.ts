import { describe, expect, it } from "vitest";
import { InvalidLogLevelError, LogManager, parseLogLevelSpec } from "../../src/logging/index.ts";

function capture(level: string, format: "json" | "pretty" = "json") {
  const lines: string[] = [];
  const manager = new LogManager({
    level,
    format,
    sink: (line) => lines.push(line),
    clock: () => new Date("2026-01-02T03:04:05.000Z"),
  });
  return { manager, lines };
}

describe("logger", () => {
  it("names components cairn:<component> and filters by level", () => {
    const { manager, lines } = capture("info");
    const log = manager.logger("store");
    expect(log.component).toBe("cairn:store");
    log.debug("hidden");
    log.info("shown", { n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      time: "2026-01-02T03:04:05.000Z",
      level: "info",
      component: "cairn:store",
      msg: "shown",
      n: 1,
    });
  });

  it("applies per-component overrides to the component and its children", () => {
    const { manager, lines } = capture("warn,cairn:store=debug");
    manager.logger("store").child("blocks").debug("a");
    manager.logger("storage").debug("b");
    manager.logger("wallet").info("c");
    manager.logger("wallet").warn("d");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["a", "d"]);
  });

  it("serialises errors, bigints and bytes", () => {
    const { manager, lines } = capture("info");
    const err = Object.assign(new Error("boom"), { code: "E_X" });
    manager.logger("x").error("failed", { err, amount: 10n ** 20n, bytes: new Uint8Array(3) });
    const line = JSON.parse(lines[0] ?? "");
    expect(line.err).toMatchObject({ name: "Error", message: "boom", code: "E_X" });
    expect(line.amount).toBe("100000000000000000000");
    expect(line.bytes).toBe("<3 bytes>");
  });

  it("writes pretty lines with key=value fields", () => {
    const { manager, lines } = capture("info", "pretty");
    manager.logger("api").info("listening", { host: "127.0.0.1", port: 8080, note: "a b" });
    expect(lines[0]).toBe(
      '2026-01-02T03:04:05.000Z INFO  cairn:api listening host=127.0.0.1 port=8080 note="a b"',
    );
  });

  it("reconfiguring applies to loggers created earlier", () => {
    const { manager, lines } = capture("error");
    const log = manager.logger("p2p");
    log.info("before");
    manager.configure({ level: "info" });
    log.info("after");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["after"]);
  });

  it("rejects unknown levels by name", () => {
    expect(() => parseLogLevelSpec("info,cairn:store=loud")).toThrow(InvalidLogLevelError);
    expect(() => parseLogLevelSpec("verbose")).toThrow(/unknown log level "verbose"/);
  });
});
