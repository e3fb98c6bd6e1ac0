import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_SHARDS as CORE_MAX_SHARDS } from "../../src/core/index.ts";
import { MAX_SHARDS } from "../../src/cli/constants.ts";
import { bytesOf, startTestNode, TOKEN, type TestNode } from "../api/helpers.ts";

// Every test spawns processes on a machine shared with other work.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const BIN = fileURLToPath(new URL("../../bin/cairn.ts", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cairn(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: env.HOME ?? tmpdir(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

describe("cairn CLI against a running node", () => {
  let node: TestNode;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    node = await startTestNode();
    dir = await mkdtemp(join(tmpdir(), "cairn-cli-"));
    env = { CAIRN_API_URL: node.apiUrl, CAIRN_API_TOKEN: TOKEN, HOME: dir };
  });
  afterAll(async () => {
    await node?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("uploads and downloads a file byte for byte", async () => {
    const data = bytesOf(700 * 1024 + 3, 21);
    await writeFile(join(dir, "in.bin"), data);
    const up = await cairn(["upload", "in.bin"], env, dir);
    expect(up.stderr).toMatch(/upload 100%/); // plain progress lines: stderr is not a TTY
    expect(up.code).toBe(0);
    const cid = up.stdout.trim();
    expect(cid).toMatch(/^bafy/);

    const down = await cairn(["download", cid, "-o", "out.bin"], env, dir);
    expect(down.code, down.stderr).toBe(0);
    expect((await readFile(join(dir, "out.bin"))).equals(Buffer.from(data))).toBe(true);

    // No overwrite without --force, and no temp file left behind.
    const again = await cairn(["download", cid, "-o", "out.bin", "-q"], env, dir);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^cairn download: .*out\.bin exists; pass --force/),
    ]);
  });

  it("erasure-codes with --k --m and prints the manifest CID", async () => {
    await writeFile(join(dir, "ec.bin"), bytesOf(600 * 1024, 5));
    const up = await cairn(["upload", "ec.bin", "--k", "2", "--m", "1", "--json", "-q"], env, dir);
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout) as { cid: string; manifestCid: string };
    expect(result.cid).toBe(result.manifestCid);
    expect(result.cid).toMatch(/^bafyrei/);
  });

  it("encrypts on the client with --encrypt and decrypts with --key-file", async () => {
    const data = bytesOf(300 * 1024, 8);
    await writeFile(join(dir, "secret.bin"), data);
    const up = await cairn(["upload", "secret.bin", "--encrypt", "-q"], env, dir);
    expect(up.code, up.stderr).toBe(0);
    const keyFile = join(dir, "secret.bin.cairn-key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const cid = up.stdout.trim();

    const raw = await cairn(["download", cid, "-o", "cipher.bin", "-q"], env, dir);
    expect(raw.code).toBe(0);
    expect((await readFile(join(dir, "cipher.bin"))).equals(Buffer.from(data))).toBe(false);

    const plain = await cairn(["download", cid, "-o", "plain.bin", "--key-file", keyFile, "-q"], env, dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect((await readFile(join(dir, "plain.bin"))).equals(Buffer.from(data))).toBe(true);

    // The key file is never overwritten.
    const twice = await cairn(["upload", "secret.bin", "--encrypt", "-q"], env, dir);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/exists; choose another --key-file/);
  });

  it("shows info", async () => {
    const info = await cairn(["info"], env, dir);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^api: +http:\/\/127\.0\.0\.1:\d+$/m);
    expect(info.stdout).toMatch(/^wallet: +0x[0-9a-fA-F]{40}$/m);
    const json = await cairn(["info", "--json"], env, dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ chainId: 98765 });
  });

  it.each([
    [["upload", "in.bin", "--k", "0", "--m", "1"], /--k must be an integer from 1 to 256/],
    [["upload", "in.bin", "--k", "2"], /--k and --m go together/],
    [["upload", "in.bin", "--k", "200", "--m", "100"], /at most 256/],
    [["upload"], /upload takes one file, got 0/],
    [["upload", "missing.bin"], /missing\.bin is not a readable file/],
    [["upload", "in.bin", "--bogus"], /unknown option --bogus/],
    [["upload", "in.bin", "--key-file", "k"], /--key-file needs --encrypt/],
    [["download", "bafy"], /needs -o/],
    [["download", "../etc", "-o", "x"], /is not a CID/],
    [
      ["download", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", "-o"],
      /-o.*needs a value|argument missing/,
    ],
    [["info", "--api-url", "ftp://x"], /--api-url must be an http/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("exits 2 with one line for %j", async (args, pattern) => {
    const run = await cairn(args, env, dir);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it("exits 1 when the node refuses or is not there", async () => {
    const missing = await cairn(
      ["download", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", "-o", "m.bin"],
      env,
      dir,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/is not on this node, and no provider on the network has it/);
    const wrongToken = await cairn(
      ["upload", "in.bin", "-q"],
      { ...env, CAIRN_API_TOKEN: "x".repeat(20) },
      dir,
    );
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/the API token is wrong/);
    const down = await cairn(["info", "--api-url", `http://127.0.0.1:${await freePort()}`], env, dir);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the node/);
  });

  it.each(["start", "upload", "download", "info"])("prints help for %s", async (command) => {
    const run = await cairn([command, "--help"], env, dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: cairn ${command}`));
  });
});

describe("cairn start", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-start-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reports every bad config value on its own line and exits 2", async () => {
    const run = await cairn(["start", "--data-dir", dir, "--api-port", "abc", "--log-format", "xml"], {
      HOME: dir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      'cairn start: flag --api-port: api.port must be an integer from 1 to 65535, got "abc"',
      expect.stringMatching(/^cairn start: flag --log-format: log\.format must be one of/),
    ]);
    const env = await cairn(["start", "--data-dir", dir], { HOME: dir, CAIRN_API_TOKEN: "short" });
    expect(env.code).toBe(2);
    expect(env.stderr.trim()).toMatch(
      /^cairn start: env CAIRN_API_TOKEN: api\.token must be a string of at least 16/,
    );
    const unknown = await cairn(["start", "--frob"], { HOME: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("cairn start: unknown option --frob (see cairn start --help)");
  });

  it("exits 1 with the error's name when the node cannot start", async () => {
    const run = await cairn(["start", "--data-dir", dir, "--log-level", "silent"], { HOME: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^cairn start: WalletPassphraseMissingError: the node wallet needs a passphrase/,
    );
  });

  it("starts a node, writes an API token, answers, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    // The port comes from <dataDir>/config.json, which the client commands read too.
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ api: { port }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"] } }),
    );
    const child = spawn(
      process.execPath,
      [BIN, "start", "--data-dir", dir, "--wallet-dev-account", "provider1", "--log-level", "warn"],
      { env: { PATH: process.env.PATH ?? "", HOME: dir }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("API token in")) resolve();
      });
      child.on("close", () => reject(new Error(`cairn start exited early:\n${stderr}`)));
    });
    try {
      expect(stderr).toContain(`REST API at http://127.0.0.1:${port}`);
      const tokenFile = join(dir, "api-token");
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      // The CLI finds the token through --data-dir.
      await writeFile(join(dir, "x.bin"), bytesOf(1000));
      const up = await cairn(["upload", join(dir, "x.bin"), "--data-dir", dir, "-q"], { HOME: dir });
      expect(up.code, up.stderr).toBe(0);
      const info = await cairn(["info", "--data-dir", dir], { HOME: dir });
      expect(info.stdout).toMatch(/datasets: +1/);
      const peerId = /cairn: peer id (\S+)/.exec(stderr)?.[1];
      expect(peerId).toMatch(/^12D3KooW/);
      expect(info.stdout).toContain(`peer id:      ${peerId}`);
      expect(info.stdout).toMatch(new RegExp(`p2p: +/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}`));
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});

it("checks --k and --m against the core's limit", () => {
  expect(MAX_SHARDS).toBe(CORE_MAX_SHARDS);
});
