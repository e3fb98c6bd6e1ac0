import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { verifyMessage } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogManager } from "../../src/logging/index.ts";
import {
  createNodeWallet,
  DEFAULT_DEV_ACCOUNTS_PATH,
  DEV_CHAIN_ID,
  PASSPHRASE_ENV,
  type WalletInit,
} from "../../src/wallet/index.ts";
import { tempDir } from "../store/helpers.ts";

const PASSPHRASE = "correct horse battery staple";
const FAST_SCRYPT = 1024; // the default 2^17 takes ~0.6 s per operation

describe("node wallet", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let lines: string[];
  let logs: LogManager;
  let init: WalletInit;

  beforeEach(async () => {
    dir = await tempDir("cairn-wallet-");
    lines = [];
    logs = new LogManager({ level: "info", format: "json", sink: (l) => lines.push(l) });
    init = {
      keystorePath: join(dir.path, "data", "keystore.json"),
      chainId: DEV_CHAIN_ID,
      scryptN: FAST_SCRYPT,
      env: { [PASSPHRASE_ENV]: PASSPHRASE },
    };
  });
  afterEach(() => dir[Symbol.asyncDispose]());

  const components = () => ({ logger: logs.logger("wallet"), prompt: false as const });

  it("creates an encrypted keystore with mode 0600 on first start, then reloads it", async () => {
    const created = await createNodeWallet(components(), init);
    expect(created.source).toBe("created");
    expect((await stat(init.keystorePath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir.path, "data"))).mode & 0o777).toBe(0o700);
    const keystore = JSON.parse(await readFile(init.keystorePath, "utf8"));
    expect(keystore.Crypto.kdf).toBe("scrypt");
    expect(`0x${keystore.address}`.toLowerCase()).toBe(created.address.toLowerCase());
    expect(await readFile(init.keystorePath, "utf8")).not.toContain(PASSPHRASE);

    const reloaded = await createNodeWallet(components(), init);
    expect(reloaded.source).toBe("keystore");
    expect(reloaded.address).toBe(created.address);

    const signature = await reloaded.account.signMessage({ message: "cairn" });
    expect(await verifyMessage({ address: created.address, message: "cairn", signature })).toBe(true);
  });

  it("rejects a wrong passphrase with a named error", async () => {
    await createNodeWallet(components(), init);
    await expect(
      createNodeWallet(components(), { ...init, env: { [PASSPHRASE_ENV]: "not the passphrase" } }),
    ).rejects.toMatchObject({ name: "WalletPassphraseIncorrectError" });
  });

  it("says how to unlock when there is no passphrase and no terminal", async () => {
    await expect(createNodeWallet(components(), { ...init, env: {} })).rejects.toMatchObject({
      name: "WalletPassphraseMissingError",
      message: expect.stringContaining(PASSPHRASE_ENV),
    });
  });

  it("refuses a short passphrase for a new keystore", async () => {
    await expect(
      createNodeWallet(components(), { ...init, env: { [PASSPHRASE_ENV]: "short" } }),
    ).rejects.toMatchObject({ name: "WalletPassphraseTooShortError" });
  });

  it("reads the passphrase from a file, ignoring one trailing newline", async () => {
    const passphraseFile = join(dir.path, "passphrase");
    await writeFile(passphraseFile, `${PASSPHRASE}\n`);
    const created = await createNodeWallet(components(), { ...init, env: {}, passphraseFile });
    const reloaded = await createNodeWallet(components(), init); // same passphrase from the env
    expect(reloaded.address).toBe(created.address);
  });

  it("asks twice when creating at a prompt, once when unlocking", async () => {
    const questions: string[] = [];
    const prompt = async (q: string) => {
      questions.push(q);
      return PASSPHRASE;
    };
    const created = await createNodeWallet({ logger: logs.logger("wallet"), prompt }, { ...init, env: {} });
    expect(questions).toHaveLength(2);
    const reloaded = await createNodeWallet({ logger: logs.logger("wallet"), prompt }, { ...init, env: {} });
    expect(questions).toHaveLength(3);
    expect(reloaded.address).toBe(created.address);

    const answers = ["first passphrase", "second passphrase"];
    await expect(
      createNodeWallet(
        { prompt: async () => answers.shift() ?? "" },
        { ...init, keystorePath: join(dir.path, "other.json"), env: {} },
      ),
    ).rejects.toMatchObject({ name: "WalletPassphraseMismatchError" });
  });

  it("rejects a file that is not a keystore", async () => {
    await createNodeWallet(components(), init);
    await writeFile(init.keystorePath, '{"hello":"world"}');
    await expect(createNodeWallet(components(), init)).rejects.toMatchObject({
      name: "KeystoreInvalidError",
    });
  });

  it("warns when the keystore is readable by others", async () => {
    await createNodeWallet(components(), init);
    await chmod(init.keystorePath, 0o644);
    await createNodeWallet(components(), init);
    expect(lines.some((l) => JSON.parse(l).level === "warn" && l.includes("chmod 600"))).toBe(true);
  });

  describe("dev mode", () => {
    it("uses a genesis dev account on the devnet, loudly", async () => {
      const accounts = JSON.parse(await readFile(DEFAULT_DEV_ACCOUNTS_PATH, "utf8")).accounts as Array<{
        role: string;
        address: string;
      }>;
      const wallet = await createNodeWallet(components(), { ...init, devAccount: "provider1", env: {} });
      expect(wallet.source).toBe("dev");
      expect(wallet.address).toBe(accounts.find((a) => a.role === "provider1")?.address);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
      expect(warning?.msg).toMatch(/DEV MODE.*PUBLIC dev account "provider1"/);
      await expect(stat(init.keystorePath)).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("refuses dev accounts on any other chain", async () => {
      await expect(
        createNodeWallet(components(), { ...init, chainId: 1, devAccount: "provider1" }),
      ).rejects.toMatchObject({
        name: "DevAccountNotAllowedError",
        message: expect.stringContaining("98765"),
      });
    });

    it("names the known roles when the role is unknown", async () => {
      await expect(createNodeWallet(components(), { ...init, devAccount: "nobody" })).rejects.toMatchObject({
        name: "DevAccountUnknownError",
        message: expect.stringContaining("provider1"),
      });
    });
  });
});
