import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  cliqueSignersFromExtraData,
  validateGenesis,
  withCliqueSigners,
} from "../../scripts/chain/genesis.ts";
import { devAccounts, devSealers, genesisBalance } from "../../scripts/lib/dev-accounts.ts";

const read = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../genesis/${name}`, import.meta.url)), "utf8"));

describe("genesis/genesis.json", () => {
  const genesis = validateGenesis(read("genesis.json"), "genesis.json", "clique");

  it("is chain 98765 under Clique with a 2 s period and a 30M gas limit", () => {
    expect(genesis.config.chainId).toBe(98765);
    expect(genesis.config.clique).toMatchObject({ period: 2 });
    expect(BigInt(genesis.gasLimit)).toBe(30_000_000n);
  });

  it("names sealer1 as its one sealer and prefunds every other dev account", () => {
    expect(cliqueSignersFromExtraData(genesis.extraData).map((a) => a.toLowerCase())).toEqual([
      devSealers()[0]?.address.toLowerCase(),
    ]);
    for (const account of devAccounts) expect(genesisBalance(account.address)).toBeGreaterThan(0n);
  });

  it("derives an N-sealer genesis that differs only in extraData", () => {
    const sealers = devSealers().map((a) => a.address);
    const three = withCliqueSigners(genesis, sealers);
    // Clique lists signers in ascending address order, as geth does.
    const lower = (list: readonly string[]) => list.map((a) => a.toLowerCase());
    expect(lower(cliqueSignersFromExtraData(three.extraData))).toEqual(lower(sealers).sort());
    expect({ ...three, extraData: genesis.extraData }).toEqual(genesis);
  });

  it("genesis/ethash.json is the same chain and alloc under Ethash", () => {
    const ethash = validateGenesis(read("ethash.json"), "ethash.json", "ethash");
    expect(ethash.config.chainId).toBe(98765);
    expect(ethash.alloc).toEqual(genesis.alloc);
    expect(BigInt(ethash.gasLimit)).toBe(30_000_000n);
  });
});

describe("validateGenesis names the bad field", () => {
  const good = read("genesis.json");
  const withConfig = (config: Record<string, unknown>) => ({
    ...good,
    config: { ...good.config, ...config },
  });

  it.each([
    ["a missing chainId", withConfig({ chainId: undefined }), /config\.chainId must be a positive integer/],
    [
      "a missing fork block",
      withConfig({ londonBlock: undefined }),
      /config\.londonBlock must be a block number/,
    ],
    ["a post-London fork", withConfig({ shanghaiTime: 0 }), /config\.shanghaiTime is set/],
    ["a zero period", withConfig({ clique: { period: 0, epoch: 30000 } }), /config\.clique\.period/],
    ["a short extraData", { ...good, extraData: "0x00" }, /extraData/],
    ["a zero timestamp", { ...good, timestamp: "0x0" }, /timestamp is 0/],
    ["a missing alloc", { ...good, alloc: undefined }, /alloc/],
    ["a bad gasLimit", { ...good, gasLimit: "lots" }, /gasLimit/],
  ])("%s", (_what, genesis, message) => {
    expect(() => validateGenesis(genesis, "genesis.json")).toThrow(message);
  });

  it("puts the file name first, on one line", () => {
    expect(() => validateGenesis(withConfig({ chainId: -1 }), "my-genesis.json")).toThrow(
      /^my-genesis\.json: [^\n]+$/,
    );
  });
});
