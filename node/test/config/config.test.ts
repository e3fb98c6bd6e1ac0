import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { beforeEach, afterEach, describe, expect, expectTypeOf, it } from "vitest";
import {
  type ConfigError,
  configFlagOptions,
  describeConfig,
  envName,
  flagName,
  type LoadConfigOptions,
  loadConfig,
  type NodeConfig,
  schemaEntries,
} from "../../src/config/index.ts";
import { LogManager } from "../../src/logging/index.ts";
import { tempDir } from "../store/helpers.ts";

function configError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (err) {
    expect((err as Error).name).toBe("ConfigError");
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: LoadConfigOptions;

  beforeEach(async () => {
    dir = await tempDir("cairn-config-");
    // An empty environment, and a data folder inside the temp dir so no real ~/.cairn/config.json is read.
    base = { env: { CAIRN_DATA_DIR: join(dir.path, "data") }, cwd: dir.path };
  });
  afterEach(() => dir[Symbol.asyncDispose]());

  async function writeConfig(name: string, json: unknown): Promise<string> {
    const path = join(dir.path, name);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, typeof json === "string" ? json : JSON.stringify(json));
    return path;
  }

  it("has a default for everything, with the typed shape", () => {
    const { config, sources, file } = loadConfig({ env: {}, cwd: dir.path });
    expect(config.dataDir).toBe(join(homedir(), ".cairn"));
    expect(config.api).toEqual({
      host: "127.0.0.1",
      port: 8080,
      token: undefined,
      corsOrigins: [],
      bodyLimit: 1024 * 1024,
      uploadLimit: 10 * 1024 ** 3,
    });
    expect(config.chain).toEqual({
      rpcUrl: "http://127.0.0.1:8545",
      id: 98765,
      confirmations: 2,
      feeBumpPercent: 12,
      bumpAfterBlocks: 3,
      bumpAfterMs: 20_000,
      deploymentFile: undefined,
    });
    expect(config.p2p).toEqual({
      enabled: true,
      listen: ["/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/tcp/4002/ws"],
      announce: [],
      bootstrap: [],
      maxConnections: 200,
    });
    expect(config.market).toEqual({ prove: true, recordSeeds: true });
    expect(config.validator).toEqual({ enabled: false });
    expect(config.sales).toMatchObject({ space: 0, takeOpenSlots: false, takeRepairs: true });
    expect(config.wallet.keystore).toBe(join(homedir(), ".cairn", "keystore.json"));
    expect(config.log).toEqual({ level: "info", format: "auto" });
    expect(config.store.verifyOnRead).toBe(false);
    expect(config.metrics.enabled).toBe(true);
    expect(sources.get("api.port")).toBe("default");
    expect(file).toBeUndefined();
    expect(Object.isFrozen(config.api)).toBe(true);
    expectTypeOf(config).toEqualTypeOf<NodeConfig>();
    expectTypeOf(config.api.port).toEqualTypeOf<number>();
    expectTypeOf(config.api.token).toEqualTypeOf<string | undefined>();
    expectTypeOf(config.log.format).toEqualTypeOf<"auto" | "json" | "pretty">();
    // The log settings feed the logger as they are.
    const lines: string[] = [];
    new LogManager({ ...config.log, sink: (l) => lines.push(l) }).logger("config").info("loaded");
    expect(lines).toHaveLength(1);
  });

  it("merges defaults < file < environment < flags", async () => {
    const file = await writeConfig("cairn.json", {
      $schema: "ignored",
      api: { port: 9000, host: "0.0.0.0", corsOrigins: ["https://app.example"] },
      chain: { id: 1234 },
      log: { level: "debug" },
    });
    const { config, sources } = loadConfig({
      ...base,
      env: { ...base.env, CAIRN_CONFIG: file, CAIRN_API_PORT: "9001", CAIRN_CHAIN_ID: "777" },
      flags: { "api-port": "9002" },
    });
    expect(config.api.port).toBe(9002);
    expect(sources.get("api.port")).toBe("flag --api-port");
    expect(config.chain.id).toBe(777);
    expect(sources.get("chain.id")).toBe("env CAIRN_CHAIN_ID");
    expect(config.api.host).toBe("0.0.0.0");
    expect(sources.get("api.host")).toBe(file);
    expect(config.api.corsOrigins).toEqual(["https://app.example"]);
    expect(config.log.level).toBe("debug");
    expect(config.api.bodyLimit).toBe(1024 * 1024);
  });

  it("finds config.json in the data folder, and --config beats CAIRN_CONFIG", async () => {
    await writeConfig("data/config.json", { api: { port: 7000 } });
    expect(loadConfig(base).config.api.port).toBe(7000);
    const other = await writeConfig("other.json", { api: { port: 7001 } });
    const ignored = await writeConfig("ignored.json", { api: { port: 7002 } });
    const loaded = loadConfig({
      ...base,
      env: { ...base.env, CAIRN_CONFIG: ignored },
      flags: { config: other },
    });
    expect(loaded.config.api.port).toBe(7001);
    expect(loaded.file).toBe(other);
  });

  it("resolves paths in the file against the file's folder, and in env and flags against cwd", async () => {
    const file = await writeConfig("etc/cairn.json", {
      dataDir: "../var/cairn",
      wallet: { passphraseFile: "pass" },
    });
    const { config } = loadConfig({ ...base, env: {}, flags: { config: file } });
    expect(config.dataDir).toBe(join(dir.path, "var", "cairn"));
    expect(config.wallet.passphraseFile).toBe(join(dir.path, "etc", "pass"));
    expect(config.wallet.keystore).toBe(join(dir.path, "var", "cairn", "keystore.json"));
    const fromEnv = loadConfig({ ...base, env: { CAIRN_DATA_DIR: "rel" } });
    expect(fromEnv.config.dataDir).toBe(join(dir.path, "rel"));
    expect(loadConfig({ ...base, env: { CAIRN_DATA_DIR: "~/x" } }).config.dataDir).toBe(join(homedir(), "x"));
  });

  it("parses typed values from strings: booleans, lists, sizes", () => {
    const { config } = loadConfig({
      ...base,
      env: {
        ...base.env,
        CAIRN_STORE_VERIFY_ON_READ: "yes",
        CAIRN_METRICS_ENABLED: "0",
        CAIRN_API_CORS_ORIGINS: "https://a.example, http://localhost:5173",
        CAIRN_API_BODY_LIMIT: "512 KiB",
        CAIRN_API_UPLOAD_LIMIT: "2GB",
        CAIRN_LOG_LEVEL: "warn,cairn:store=debug",
        CAIRN_API_TOKEN: "0123456789abcdef",
      },
    });
    expect(config.store.verifyOnRead).toBe(true);
    expect(config.metrics.enabled).toBe(false);
    expect(config.api.corsOrigins).toEqual(["https://a.example", "http://localhost:5173"]);
    expect(config.api.bodyLimit).toBe(512 * 1024);
    expect(config.api.uploadLimit).toBe(2e9);
    expect(config.log.level).toBe("warn,cairn:store=debug");
    expect(config.api.token).toBe("0123456789abcdef");
  });

  it("accepts what node:util parseArgs returns for the flag options", () => {
    const { values } = parseArgs({
      args: ["--api-port", "1234", "--store-verify-on-read", "--wallet-dev-account", "provider2"],
      options: configFlagOptions(),
      strict: true,
    });
    const { config } = loadConfig({ ...base, flags: values });
    expect(config.api.port).toBe(1234);
    expect(config.store.verifyOnRead).toBe(true);
    expect(config.wallet.devAccount).toBe("provider2");
  });

  describe("bad values name the key and the source", () => {
    it("in the config file", async () => {
      const file = await writeConfig("config.json", { api: { port: "abc" } });
      const err = configError({ ...base, flags: { config: "config.json" } });
      expect(err.message).toBe('config.json: api.port must be an integer from 1 to 65535, got "abc"');
      expect(err.issues).toEqual([{ key: "api.port", source: "config.json", message: err.message }]);
      expect(file).toContain("config.json");
    });

    it("in the environment", () => {
      expect(configError({ ...base, env: { ...base.env, CAIRN_API_PORT: "70000" } }).message).toBe(
        'env CAIRN_API_PORT: api.port must be an integer from 1 to 65535, got "70000"',
      );
    });

    it("in flags", () => {
      expect(configError({ ...base, flags: { "chain-rpc-url": "ftp://x" } }).message).toBe(
        'flag --chain-rpc-url: chain.rpcUrl must be a URL starting with http:// or https:// or ws:// or wss://, got "ftp://x"',
      );
      expect(configError({ ...base, flags: { "api-prot": "1" } }).message).toBe(
        "flag --api-prot: unknown option",
      );
    });

    it("lists every problem at once, even values a higher source overrides", async () => {
      await writeConfig("data/config.json", {
        api: { port: 0, prot: 1, corsOrigins: ["https://ok.example", "https://bad.example/path"] },
        store: { verifyOnRead: "true" },
        log: "loud",
      });
      const err = configError({
        ...base,
        env: {
          ...base.env,
          CAIRN_API_PORT: "8081",
          CAIRN_API_TOKEN: "short",
          CAIRN_API_BODY_LIMIT: "1 parsec",
        },
      });
      const file = join(dir.path, "data", "config.json");
      expect(err.issues.map((i) => i.message)).toEqual([
        `${file}: unknown key api.prot`,
        `${file}: log must be a JSON object, got "loud"`,
        `${file}: api.port must be an integer from 1 to 65535, got 0`,
        'env CAIRN_API_TOKEN: api.token must be a string of at least 16 characters, got "short"',
        `${file}: api.corsOrigins must be a list of origins like "https://app.example" or "*"; "https://bad.example/path" is not one, got ["https://ok.example","https://bad.example/path"]`,
        'env CAIRN_API_BODY_LIMIT: api.bodyLimit must be a size from 1 to 104857600 bytes (an integer, or a string like "10MiB"), got "1 parsec"',
        `${file}: store.verifyOnRead must be true or false, got "true"`,
      ]);
      expect(err.message.split("\n")[0]).toBe("invalid config:");
    });

    it("reports unreadable files", async () => {
      await writeConfig("broken.json", "{ not json");
      expect(configError({ ...base, flags: { config: "broken.json" } }).message).toMatch(
        /^broken\.json: not valid JSON/,
      );
      expect(configError({ ...base, flags: { config: "missing.json" } }).message).toBe(
        "flag --config: config file missing.json does not exist",
      );
      await writeConfig("array.json", "[]");
      expect(configError({ ...base, env: { ...base.env, CAIRN_CONFIG: "array.json" } }).message).toBe(
        "array.json: the file must be a JSON object, got []",
      );
    });

    it("refuses a dev account off the devnet", () => {
      expect(
        configError({
          ...base,
          env: { ...base.env, CAIRN_WALLET_DEV_ACCOUNT: "provider1", CAIRN_CHAIN_ID: "1" },
        }).message,
      ).toBe(
        "env CAIRN_WALLET_DEV_ACCOUNT: wallet.devAccount is only allowed on the devnet (chain.id 98765), but chain.id is 1 (from env CAIRN_CHAIN_ID)",
      );
    });

    it("refuses bad log levels", () => {
      expect(configError({ ...base, env: { ...base.env, CAIRN_LOG_LEVEL: "chatty" } }).issues[0]?.key).toBe(
        "log.level",
      );
    });
  });

  it("warns about unknown CAIRN_* variables but not about the passphrase", () => {
    const { warnings } = loadConfig({
      ...base,
      env: { ...base.env, CAIRN_API_PROT: "1", CAIRN_WALLET_PASSPHRASE: "x", OTHER: "y" },
    });
    expect(warnings).toEqual(["ignoring unknown environment variable CAIRN_API_PROT"]);
  });

  it("describes the config with sources and masks secrets", () => {
    const loaded = loadConfig({ ...base, env: { ...base.env, CAIRN_API_TOKEN: "0123456789abcdef" } });
    const lines = describeConfig(loaded);
    expect(lines).toContain("api.token = ********  (env CAIRN_API_TOKEN)");
    expect(lines).toContain("api.port = 8080  (default)");
    expect(lines).toContain("wallet.devAccount = (unset)  (unset)");
  });

  it("derives env and flag names from keys", () => {
    expect(envName("api.corsOrigins")).toBe("CAIRN_API_CORS_ORIGINS");
    expect(flagName("wallet.passphraseFile")).toBe("wallet-passphrase-file");
    expect(envName("dataDir")).toBe("CAIRN_DATA_DIR");
    expect(schemaEntries().length).toBeGreaterThan(10);
  });
});
