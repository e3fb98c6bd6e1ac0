/** `npm run demo`'s boundaries: its flags, and the stack file it finds the network through. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  readStackFile,
  removeStackFile,
  type StackFile,
  writeStackFile,
} from "../../scripts/stack/stack-file.ts";

const folder = mkdtempSync(join(tmpdir(), "cairn-demo-cli-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function demo(...args: string[]) {
  return spawnSync(process.execPath, ["scripts/demo/cli.ts", ...args], { encoding: "utf8" });
}

describe("npm run demo", () => {
  it.each([
    [["--k", "x"], /--k must be a whole number from 1 to 32, got "x"/],
    [["--m", "0"], /--m must be a whole number from 1 to 32/],
    [["--duration", "5"], /--duration must be a whole number from 600/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["extra"], /Unexpected argument 'extra'/],
  ])("refuses %j with exit code 2 and names the flag", (args, message) => {
    const run = demo(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("prints its help", () => {
    const run = demo("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: npm run demo/);
  });
});

describe("the stack file", () => {
  const path = join(folder, "stack.json");
  const stack: StackFile = {
    engine: "poa",
    chainId: 98765,
    rpcUrl: "http://127.0.0.1:8545",
    graphqlUrl: "http://127.0.0.1:8000/subgraphs/name/cairn",
    contracts: { StorageMarket: { address: "0x0000000000000000000000000000000000000001", blockNumber: 3 } },
    nodes: [
      {
        name: "provider1",
        apiUrl: "http://127.0.0.1:8080",
        apiTokenPath: "/tmp/token",
        pid: 1234,
        peerId: "12D3KooW",
        logFile: "/tmp/node.log",
      },
    ],
  };

  it("reads back what npm start wrote, and is gone once removed", () => {
    writeStackFile(stack, path);
    expect(readStackFile(path)).toEqual(stack);
    removeStackFile(path);
    expect(() => readStackFile(path)).toThrow(/no local network is running .* start one with `npm start`/);
  });

  it("refuses a file that is not a stack file, naming it", () => {
    writeFileSync(path, JSON.stringify({ ...stack, nodes: [{ name: "provider1" }] }));
    expect(() => readStackFile(path)).toThrow(/is not a stack file written by `npm start`/);
    writeFileSync(path, JSON.stringify({ chainId: "98765" }));
    expect(() => readStackFile(path)).toThrow(/is not a stack file/);
    writeFileSync(path, "{ half a file");
    expect(() => readStackFile(path)).toThrow(/is not a stack file written by `npm start` \(not JSON\)/);
  });
});
