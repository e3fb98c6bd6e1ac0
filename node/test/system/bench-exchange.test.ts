/**
 * The exchange benchmark itself (`npm run bench:exchange`), run small: every process it
 * starts comes up, every transfer moves the whole dataset, and its last line is the JSON
 * object with every figure. Speeds are not checked here; the benchmark's bars are.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cpuTimes } from "../../bench/cpu-steal.ts";

const BENCH = fileURLToPath(new URL("../../bench/exchange.ts", import.meta.url));
const run = promisify(execFile);

async function bench(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BENCH, ...args], { timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("bench:exchange", () => {
  it("runs every transfer and prints every figure as its last line", async () => {
    // 32 MiB: 128 blocks a transfer, so two paid transfers run up the debt of a voucher.
    const { code, stdout, stderr } = await bench([
      "--mib",
      "32",
      "--rounds",
      "1",
      "--warmup",
      "1",
      "--verbose",
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split("\n").at(-1) as string);
    for (const key of [
      "bareLibp2pMiBps",
      "heliaMiBps",
      "unpaidMiBps",
      "paidMiBps",
      "ratioVsLibp2p",
      "ratioVsHelia",
      "multiSourceSpeedup",
    ]) {
      expect(result[key], key).toBeGreaterThan(0);
    }
    expect(typeof result.paymentOverhead).toBe("number");
    expect(typeof result.pass).toBe("boolean");
    expect(result).toMatchObject({ rounds: 1, mib: 32 });
    expect(result.rounds_MiBps.paidMiBps).toHaveLength(1);
    // Where /proc/stat counts stolen time: one share for the round and one for multi-source.
    if (cpuTimes() !== undefined) {
      expect(result.rounds_stealShare).toHaveLength(2);
      for (const share of result.rounds_stealShare)
        expect(share >= 0 && share <= 1, String(share)).toBe(true);
      expect(typeof result.stealShare).toBe("number");
    }
    // The paid client signed for blocks it received, at 1 gwei a block: at least the half
    // threshold's 128 blocks, at most the two transfers' 256.
    const signed = BigInt(/paid: channel 0x[0-9a-f]{64} cumulative (\d+) wei signed/.exec(stderr)?.[1] ?? -1);
    expect(signed % 10n ** 9n).toBe(0n);
    expect(signed >= 128n * 10n ** 9n && signed <= 256n * 10n ** 9n, String(signed)).toBe(true);
    // Every other process was idle while a transfer ran.
    expect(stderr).toMatch(/others \d+\.\d\d/);
  }, 300_000);

  it("refuses a bad flag with a message naming it, before starting anything", async () => {
    for (const [args, message] of [
      [["--rounds", "0"], '--rounds must be a whole number of at least 1, got "0"'],
      [["--mib", "1.5"], '--mib must be a whole number of at least 1, got "1.5"'],
      [["--only", "bare"], '--only: unknown key "bare"'],
      [["--speed", "9"], "Unknown option '--speed'"],
    ] as const) {
      const { code, stdout, stderr } = await bench([...args]);
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toContain(`bench:exchange: ${message}`);
      expect(stdout).toBe("");
    }
  }, 60_000);
});
