/**
 * Conformance of the local indexer's GraphQL with graph-node's response shapes, over the
 * Hardhat scenario: the queries the dApp sends (queries/*.graphql) and the subset's
 * arguments, each checked against the shape graph-node returns.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { network } from "hardhat";
import { type Indexer, startIndexer } from "../runner/indexer.ts";
import { runScenario, type Scenario } from "./scenario.ts";
import { serveRpc } from "./rpc-proxy.ts";

const QUERIES = join(import.meta.dirname, "..", "queries");

/** A response's data, read field by field by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check each field they read
type Data = any;

describe("GraphQL subset (graph-node shapes)", () => {
  let scenario: Scenario;
  let indexer: Indexer;
  let rpc: Awaited<ReturnType<typeof serveRpc>>;
  let dataDir: string;

  before(async () => {
    const connection = await network.create();
    scenario = await runScenario(connection);
    rpc = await serveRpc(connection);
    dataDir = mkdtempSync(join(tmpdir(), "cairn-indexer-"));
    indexer = await startIndexer({
      rpcUrl: rpc.url,
      deployment: {
        chainId: await scenario.cairn.publicClient.getChainId(),
        contracts: scenario.deployment.contracts,
      },
      dataDir,
      port: 0,
      log: () => {},
    });
    await indexer.waitForBlock(Number(await scenario.cairn.publicClient.getBlockNumber()));
  });

  after(async () => {
    await indexer?.stop();
    await rpc?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  async function query(
    text: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data?: Data; errors?: { message: string }[] }> {
    const response = await fetch(indexer.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: text, variables }),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { data?: Data; errors?: { message: string }[] };
  }

  const lower = (hex: string) => hex.toLowerCase();

  it("answers an entity by id with strings for BigInt and lowercase hex for Bytes", async () => {
    const id = scenario.request.requestId;
    const { data, errors } = await query(
      `{ storageRequest(id: "${id}") { id client escrow slotSize slotCount state startPeriod cid } }`,
    );
    assert.equal(errors, undefined);
    const request = data.storageRequest;
    assert.equal(request.id, lower(id));
    assert.equal(request.client, lower(scenario.request.client));
    assert.equal(request.escrow, scenario.request.example.escrow.toString());
    assert.equal(typeof request.slotSize, "string");
    assert.equal(request.slotCount, 4);
    assert.equal(request.state, "Finished");
    assert.match(request.cid, /^0x[0-9a-f]+$/);
  });

  it("answers null for an unknown id", async () => {
    const { data } = await query(`{ provider(id: "0x0000000000000000000000000000000000000001") { id } }`);
    assert.deepEqual(data, { provider: null });
  });

  it("lists with first, skip, orderBy and orderDirection", async () => {
    const all = (await query(`{ providers(orderBy: stake, orderDirection: desc) { id stake } }`)).data
      .providers;
    assert.equal(all.length, 5);
    const stakes = all.map((p: { stake: string }) => BigInt(p.stake));
    assert.deepEqual(
      [...stakes].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)),
      stakes,
    );
    const page = (
      await query(`{ providers(first: 2, skip: 1, orderBy: stake, orderDirection: desc) { id } }`)
    ).data.providers;
    assert.deepEqual(
      page.map((p: { id: string }) => p.id),
      all.slice(1, 3).map((p: { id: string }) => p.id),
    );
    const byId = (await query(`{ providers { id } }`)).data.providers.map((p: { id: string }) => p.id);
    assert.deepEqual(byId, [...byId].sort(), "default order is by id");
  });

  it("filters with where: equality, _not, _gt, _gte, _lt, _lte, _in", async () => {
    const p3 = lower(scenario.hosts[3]?.account.address ?? "");
    const missed = await query(`{ providers(where: { proofsMissed_gt: 0 }) { id proofsMissed } }`);
    assert.deepEqual(missed.data.providers, [{ id: p3, proofsMissed: 3 }]);
    const notP3 = await query(`query($p: Bytes) { providers(where: { id_not: $p }) { id } }`, { p: p3 });
    assert.equal(notP3.data.providers.length, 4);
    const inList = await query(`query($ids: [Bytes!]) { providers(where: { id_in: $ids }) { id } }`, {
      ids: [p3, lower(scenario.repairer.account.address)],
    });
    assert.equal(inList.data.providers.length, 2);
    const request = scenario.request.requestId;
    const slots = await query(
      `{ slots(where: { request: "${request}", index_gte: 1, index_lt: 3 }, orderBy: index) { index } }`,
    );
    assert.deepEqual(slots.data.slots, [{ index: 1 }, { index: 2 }]);
    const lte = await query(`{ slots(where: { request: "${request}", index_lte: 0 }) { index } }`);
    assert.deepEqual(lte.data.slots, [{ index: 0 }]);
    const all = await query(`{ slots(where: { index_lte: 0 }) { index } }`);
    assert.equal(all.data.slots.length, 3, "slot 0 of each of the three requests");
    const state = await query(`{ storageRequests(where: { state: Finished }) { id } }`);
    assert.equal(state.data.storageRequests.length, 1);
    const ended = await query(`{ storageRequests(where: { state_in: [Cancelled, Failed] }) { state } }`);
    assert.equal(ended.data.storageRequests.length, 2);
    const notFinished = await query(`{ storageRequests(where: { state_not: Finished }) { state } }`);
    assert.equal(notFinished.data.storageRequests.length, 2);
    const big = await query(`{ missedProofs(where: { slashed_gte: "1" }) { id } }`);
    assert.equal(big.data.missedProofs.length, 3);
  });

  it("resolves references and @derivedFrom lists, with arguments", async () => {
    const id = scenario.request.requestId;
    const { data, errors } = await query(`{
      storageRequest(id: "${id}") {
        slots(orderBy: index) { index state host { id } proofs(first: 1) { period } missedProofs { period provider { id } } }
      }
    }`);
    assert.equal(errors, undefined);
    const slots = data.storageRequest.slots;
    assert.equal(slots.length, 4);
    assert.equal(slots[3].host.id, lower(scenario.repairer.account.address));
    assert.equal(slots[3].missedProofs.length, 3);
    assert.equal(slots[3].missedProofs[0].provider.id, lower(scenario.hosts[3]?.account.address ?? ""));
    assert.equal(slots[0].proofs.length, 1);
    assert.equal(typeof slots[0].proofs[0].period, "string");
  });

  it("answers _meta with the indexed block", async () => {
    const { data } = await query(
      `{ _meta { block { number hash timestamp } deployment hasIndexingErrors } }`,
    );
    const head = await scenario.cairn.publicClient.getBlock();
    assert.equal(data._meta.block.number, Number(head.number));
    assert.equal(data._meta.block.hash, head.hash);
    assert.equal(data._meta.hasIndexingErrors, false);
    assert.match(data._meta.deployment, /^cairn-/);
  });

  it("names singletons' lists graph-node's way (marketStats_collection)", async () => {
    const { data } = await query(
      `{ marketStats(id: "market") { requests totalSlashed } marketStats_collection { id } }`,
    );
    assert.equal(data.marketStats.requests, 3);
    assert.equal(typeof data.marketStats.totalSlashed, "string");
    assert.deepEqual(data.marketStats_collection, [{ id: "market" }]);
  });

  it("fails queries outside the subset with a clear error and no data", async () => {
    const cases: [string, RegExp][] = [
      [`{ providers(block: { number: 1 }) { id } }`, /Unknown argument "block"/],
      [`{ providers(where: { or: [{ paused: true }] }) { id } }`, /"or" is not defined/],
      [`{ providers(where: { slots_: { index: 0 } }) { id } }`, /"slots_" is not defined/],
      [`{ providers { nope } }`, /Cannot query field "nope"/],
      [`{ providers(first: 5000) { id } }`, /first must be between 0 and 1000/],
    ];
    for (const [text, message] of cases) {
      const result = await query(text);
      assert.equal(result.data, undefined, text);
      assert.match(result.errors?.[0]?.message ?? "", message, text);
    }
  });

  it("runs the dApp's query documents", async () => {
    // Every document the dApp has, so one added later is run too.
    const documents = readdirSync(QUERIES).filter((name) => name.endsWith(".graphql"));
    assert.ok(documents.length > 0, `no query documents in ${QUERIES}`);
    for (const file of documents) {
      const text = readFileSync(join(QUERIES, file), "utf8");
      const operations = [...text.matchAll(/query (\w+)/g)].map((m) => m[1] as string);
      for (const operationName of operations) {
        const variables: Record<string, unknown> = {
          id: lower(scenario.request.requestId),
          provider: lower(scenario.hosts[0]?.account.address ?? ""),
          client: lower(scenario.request.client),
          first: 10,
          skip: 0,
        };
        const response = await fetch(indexer.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: text, variables, operationName }),
        });
        const result = (await response.json()) as { data?: unknown; errors?: unknown };
        assert.equal(result.errors, undefined, `${file} ${operationName}: ${JSON.stringify(result.errors)}`);
        assert.ok(result.data, `${file} ${operationName}`);
      }
    }
  });
});
