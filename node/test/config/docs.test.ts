import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CONFIG_ENV, envName, flagName, NON_CONFIG_ENV, schemaEntries } from "../../src/config/index.ts";
import { PASSPHRASE_ENV } from "../../src/wallet/index.ts";

const GUIDE = new URL("../../../docs/operator-guide.md", import.meta.url);

describe("operator guide", () => {
  it("documents every config key with its environment variable and flag", async () => {
    const guide = await readFile(GUIDE, "utf8");
    for (const [key] of schemaEntries()) {
      expect(guide, key).toContain(`| \`${key}\` | \`${envName(key)}\` | \`--${flagName(key)}\` |`);
    }
  });

  it("documents the environment variables that are not config keys", async () => {
    const guide = await readFile(GUIDE, "utf8");
    expect([...NON_CONFIG_ENV].sort()).toEqual([CONFIG_ENV, PASSPHRASE_ENV].sort());
    for (const name of NON_CONFIG_ENV) expect(guide).toContain(`| \`${name}\` |`);
  });
});
