/** The host's conversions, graph-node's naming, and the manifest renderer. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bigIntToBytes, bytesToBigInt } from "../runner/asc.ts";
import { queryFieldNames } from "../runner/graphql.ts";
import { entityFromJson, entityToJson, formatBigDecimal, parseBigDecimal } from "../runner/values.ts";
import { EntityStore } from "../runner/store.ts";
import { renderManifest, SUBGRAPH_DIR } from "../scripts/render-manifest.ts";

describe("host conversions", () => {
  it("round-trips BigInt through graph-ts's little-endian two's complement", () => {
    for (const value of [0n, 1n, 127n, 128n, 255n, 256n, -1n, -128n, -129n, 2n ** 255n, -(2n ** 200n) + 7n]) {
      assert.equal(bytesToBigInt(bigIntToBytes(value)), value, String(value));
    }
    assert.deepEqual([...bigIntToBytes(128n)], [0x80, 0x00], "positive values keep a zero sign byte");
    assert.deepEqual([...bigIntToBytes(-1n)], [0xff]);
  });

  it("prints and parses BigDecimal as graph-node does", () => {
    assert.equal(formatBigDecimal(12345n, -2n), "123.45");
    assert.equal(formatBigDecimal(5n, -3n), "0.005");
    assert.equal(formatBigDecimal(-5n, 2n), "-500");
    assert.equal(formatBigDecimal(1200n, -2n), "12");
    assert.deepEqual(parseBigDecimal("123.45"), { digits: 12345n, exp: -2n });
    assert.deepEqual(parseBigDecimal("1e3"), { digits: 1n, exp: 3n });
  });

  it("stores entities as tagged JSON without losing bigints", () => {
    const entity = {
      id: { kind: "Bytes", value: "0xab" },
      amount: { kind: "BigInt", value: 2n ** 200n },
      list: { kind: "Array", value: [{ kind: "String", value: "a" }] },
    } as const;
    assert.deepEqual(entityFromJson(entityToJson(entity as never)), entity);
  });
});

describe("graph-node naming", () => {
  it("pluralizes query fields, with _collection when plural equals singular", () => {
    assert.deepEqual(queryFieldNames("Provider"), { single: "provider", plural: "providers" });
    assert.deepEqual(queryFieldNames("Slash"), { single: "slash", plural: "slashes" });
    assert.deepEqual(queryFieldNames("MarketStats"), {
      single: "marketStats",
      plural: "marketStats_collection",
    });
    assert.deepEqual(queryFieldNames("StorageRequest"), {
      single: "storageRequest",
      plural: "storageRequests",
    });
  });
});

describe("manifest rendering", () => {
  const template = readFileSync(join(SUBGRAPH_DIR, "subgraph.template.yaml"), "utf8");

  it("fills in addresses, start blocks and the network from a deployment", () => {
    const manifest = renderManifest(template, {
      chainId: 98765,
      contracts: {
        ProviderRegistry: { address: "0xAbC0000000000000000000000000000000000001", blockNumber: 3 },
        StorageMarket: { address: "0x0000000000000000000000000000000000000002", blockNumber: 4 },
        PaymentChannels: { address: "0x0000000000000000000000000000000000000003", blockNumber: 5 },
      },
    });
    assert.match(
      manifest,
      /address: "0xabc0000000000000000000000000000000000001"\n\s+abi: ProviderRegistry\n\s+startBlock: 3/,
    );
    assert.match(manifest, /startBlock: 5/);
    assert.match(manifest, /network: cairn-devnet/);
    assert.doesNotMatch(manifest, /\{\{/);
  });

  it("renders zero addresses from block 0 without a deployment, for CI builds", () => {
    const manifest = renderManifest(template, undefined);
    assert.match(manifest, /address: "0x0{40}"/);
    assert.match(manifest, /startBlock: 0/);
  });
});

describe("entity store", () => {
  const entity = (n: number) =>
    ({ id: { kind: "String", value: "a" }, n: { kind: "Int", value: n } }) as const;
  const block = (number: number) => ({
    number,
    hash: `0x${number.toString(16).padStart(64, "0")}` as const,
    timestamp: number,
  });

  it("keeps versions per block and reverts to a fork point", () => {
    const store = new EntityStore(":memory:");
    store.commit(block(1), new Map([["T/a", { entityType: "T", id: "a", entity: entity(1) }]]));
    store.commit(block(2), new Map([["T/a", { entityType: "T", id: "a", entity: entity(2) }]]));
    store.commit(block(3), new Map([["T/b", { entityType: "T", id: "b", entity: entity(3) }]]));
    store.commit(block(4), new Map([["T/a", { entityType: "T", id: "a", entity: null }]]));
    assert.equal(store.get("T", "a"), undefined, "removed at block 4");
    assert.equal(store.all("T").length, 1);
    store.revertTo(2);
    assert.deepEqual(store.get("T", "a"), entity(2), "the version of block 2 is current again");
    assert.equal(store.get("T", "b"), undefined, "written after the fork point");
    assert.equal(store.head()?.number, 2);
    store.revertTo(0);
    assert.equal(store.all("T").length, 0);
    assert.equal(store.head(), undefined);
    store.close();
  });
});
