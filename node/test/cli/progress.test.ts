import { describe, expect, it } from "vitest";
import { createProgress, formatBytes } from "../../src/cli/progress.ts";

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

describe("progress", () => {
  it("redraws one bar on a terminal, throttled, and ends the line", () => {
    let now = 0;
    const { writes, stream } = sink(true);
    const progress = createProgress("upload", stream, { now: () => now });
    for (let i = 1; i <= 10; i++) {
      now += 50;
      progress.update(i * 100, 1000);
    }
    progress.finish();
    expect(writes.every((w) => w.startsWith("\r") || w === "\n")).toBe(true);
    expect(writes.length).toBeLessThan(10);
    expect(writes.at(-2)).toContain("100%");
    expect(writes.at(-1)).toBe("\n");
  });

  it("writes plain lines every 10 % elsewhere", () => {
    const { writes, stream } = sink(false);
    const progress = createProgress("download", stream);
    for (let done = 0; done <= 1000; done += 10) progress.update(done, 1000);
    progress.finish();
    expect(writes).toHaveLength(11);
    expect(writes.at(-1)).toBe("download 100% 1000 B / 1000 B\n");
  });

  it("is silent with quiet", () => {
    const { writes, stream } = sink(true);
    const progress = createProgress("upload", stream, { quiet: true });
    progress.update(1, 2);
    progress.finish();
    expect(writes).toEqual([]);
  });

  it("formats sizes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
  });
});
