/**
 * The subgraph queries through the Graph Client SDK's typed operations, against the local
 * indexer following the test chain (global-setup.ts).
 */
import { parseEther, stringToHex } from "viem";
import { describe, expect, inject, it } from "vitest";
import { requestStorage } from "../../src/actions/market.ts";
import { registerProvider } from "../../src/actions/registry.ts";
import { findApiUrl } from "../../src/lib/multiaddr.ts";
import { decodeLabel } from "../../src/lib/offer.ts";
import { fetchMarketOverview, fetchProviders } from "../../src/queries/market.ts";
import { fetchProviderDetail } from "../../src/queries/provider.ts";
import { fetchClientRequests, fetchRequestDetail } from "../../src/queries/requests.ts";
import { createSubgraphSdk, SubgraphError } from "../../src/queries/subgraph.ts";
import { encodeDataset } from "../../src/workers/encode-dataset.ts";
import { account } from "../support/accounts.ts";
import { connectedConfig } from "../support/wagmi.ts";

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe("subgraph queries", () => {
  it("lists a provider registered on-chain, with its offer, endpoints and stake", async () => {
    const sdk = createSubgraphSdk(inject("graphqlUrl"));
    const config = await connectedConfig(inject("rpcUrl"), account("provider6"));
    const result = await registerProvider(config, {
      offer: {
        pricePerBytePerSecond: 7n,
        maxCollateralPerByte: 1n,
        minDuration: 60n,
        maxDuration: 86_400n,
        capacity: 1n << 32n,
        region: "ap-south",
        infrastructure: "colo",
      },
      peerId: stringToHex("p6"),
      multiaddrs: ["/ip4/10.1.2.3/tcp/8080/http"],
      stake: parseEther("20"),
    });
    expect(result.ok).toBe(true);
    const me = account("provider6").address.toLowerCase();
    const providers = await eventually(
      () => fetchProviders(sdk),
      (rows) => rows.some((p) => p.id === me),
    );
    const row = providers.find((p) => p.id === me);
    expect(row).toMatchObject({ pricePerBytePerSecond: "7", stake: parseEther("20").toString() });
    expect(decodeLabel(row?.region ?? "")).toBe("ap-south");
    expect(findApiUrl(row?.multiaddrs ?? [])).toBe("http://10.1.2.3:8080");

    const detail = await fetchProviderDetail(account("provider6").address, sdk);
    expect(detail?.stakeChanges.map((c) => c.kind)).toContain("Registered");

    const overview = await fetchMarketOverview(sdk);
    expect(Number(overview.marketStats?.providers)).toBeGreaterThanOrEqual(1);
  });

  it("shows a client's new request and its slots", async () => {
    const sdk = createSubgraphSdk(inject("graphqlUrl"));
    const config = await connectedConfig(inject("rpcUrl"), account("validator"));
    const encoded = await encodeDataset({ file: new Blob([new Uint8Array(10).fill(5)]), k: 1, m: 1 });
    const { getBlock } = await import("@wagmi/core");
    const now = (await getBlock(config)).timestamp;
    const slotSize = BigInt(encoded.slotSize);
    const result = await requestStorage(config, {
      cid: `0x${Buffer.from(encoded.manifestCid).toString("hex")}`,
      slotRoots: encoded.slotRoots,
      providers: [],
      slotSize,
      dataSlots: 1,
      duration: 600n,
      pricePerBytePerSecond: 1n,
      collateralPerByte: 1n,
      proofProbability: 2,
      expiry: now + 300n,
      escrow: 2n * slotSize * 600n,
    });
    if (!result.ok || result.requestId === undefined) throw new Error(result.ok ? "no id" : result.message);
    const client = account("validator").address;
    const requests = await eventually(
      () => fetchClientRequests(client, sdk),
      (rows) => rows.some((r) => r.id === result.requestId?.toLowerCase()),
    );
    expect(requests.find((r) => r.id === result.requestId?.toLowerCase())).toMatchObject({
      state: "New",
      slotCount: 2,
    });
    const detail = await fetchRequestDetail(result.requestId, sdk);
    expect(detail?.slots.map((s) => s.root)).toEqual(encoded.slotRoots);
  });

  it("turns GraphQL errors into a SubgraphError", async () => {
    const sdk = createSubgraphSdk(`${inject("graphqlUrl")}-missing`);
    await expect(sdk.MarketOverview()).rejects.toBeInstanceOf(SubgraphError);
  });
});
