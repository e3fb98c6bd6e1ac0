/**
 * A provider's slot endpoint for the purchasing tests, until the sales side's
 * `POST /api/v1/slots/{requestId}/{index}` lands: a real HTTP server that reads the pushed
 * bytes, checks them against the slot's on-chain commitment with node/src/core (a
 * designated slot stores keccak256(abi.encode(root, provider))), records what arrived, and,
 * when asked, fills the slot on-chain with a real first proof from the provider's own
 * transaction manager, as the sales side will.
 */
import { createServer, type Server } from "node:http";
import { encodeAbiParameters, type Hex, keccak256, type PublicClient } from "viem";
import type { TransactionManager } from "../../src/chain/index.ts";
import { buildSlotTree, proveSlot, slotIdOf } from "../../src/core/index.ts";
import { storageMarketAbi } from "../../src/generated/contracts.ts";
import type { Devnet } from "../helpers/devnet.ts";

export interface ReceivedSlot {
  requestId: Hex;
  index: number;
  bytes: number;
  /** The bytes' cell-tree root opens the slot's on-chain commitment for this provider. */
  matchesChain: boolean;
}

export interface EndpointBehaviour {
  /** Answer 503 to every push. */
  down: boolean;
  /** Answer 503 to this many pushes, then accept. */
  failNext: number;
  /** Fill the slot on-chain after accepting it. */
  fill: boolean;
}

export interface ProviderEndpoint {
  url: string;
  /** The provider's wallet. */
  address: Hex;
  received: ReceivedSlot[];
  /** Pushes answered, including refusals. */
  requests: number;
  behaviour: EndpointBehaviour;
  /** Fill transactions still in flight. */
  fills: Promise<void>[];
  stop(): Promise<void>;
}

export interface MarketParams {
  market: Hex;
  periodBlocks: bigint;
  proofSamples: number;
  cellSize: number;
}

/** Fills one at a time across all endpoints: each fill moves the chain to a good spot in a period. */
export type FillQueue = { tail: Promise<unknown> };

async function readBody(request: import("node:http").IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

async function fillSlot(
  devnet: Devnet,
  client: PublicClient,
  sender: TransactionManager,
  params: MarketParams,
  slotId: Hex,
  root: Hex,
  bytes: Uint8Array,
): Promise<void> {
  const tree = buildSlotTree(bytes, params.cellSize);
  const P = params.periodBlocks;
  for (let attempt = 1; ; attempt++) {
    // The seed is readable from a period's second block, and the transaction lands in the
    // next block, which must still be in the same period.
    const head = await client.getBlockNumber();
    const offset = head % P;
    if (offset === 0n || offset >= P - 2n) await devnet.mine(Number(offset === 0n ? 1n : P - offset + 1n));
    const period = (await client.getBlockNumber()) / P;
    const seed = (await client.readContract({
      address: params.market,
      abi: storageMarketAbi,
      functionName: "seedOf",
      args: [period],
    })) as Hex;
    const proof = proveSlot(tree, seed, slotId, params.proofSamples);
    try {
      await sender.send(
        {
          address: params.market,
          abi: storageMarketAbi,
          functionName: "fillSlot",
          args: [slotId, root, { period, cells: proof.cells, siblings: proof.siblings }],
        },
        { label: "fillSlot" },
      );
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

export async function startProviderEndpoint(
  devnet: Devnet,
  client: PublicClient,
  sender: TransactionManager,
  params: MarketParams,
  queue: FillQueue,
): Promise<ProviderEndpoint> {
  const endpoint: ProviderEndpoint = {
    url: "",
    address: sender.address,
    received: [],
    requests: 0,
    behaviour: { down: false, failNext: 0, fill: true },
    fills: [],
    stop: async () => {},
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const match = /^\/api\/v1\/slots\/(0x[0-9a-f]{64})\/(\d+)$/.exec(request.url ?? "");
      const bytes = await readBody(request);
      endpoint.requests++;
      if (request.method !== "POST" || match === null) {
        response.writeHead(404).end();
        return;
      }
      if (endpoint.behaviour.down || endpoint.behaviour.failNext > 0) {
        if (!endpoint.behaviour.down) endpoint.behaviour.failNext--;
        response.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"busy"}}');
        return;
      }
      const requestId = match[1] as Hex;
      const index = Number(match[2]);
      const slotId = slotIdOf(requestId, index);
      const root = buildSlotTree(bytes, params.cellSize).root;
      const rootHex = `0x${Buffer.from(root).toString("hex")}` as Hex;
      const slot = (await client.readContract({
        address: params.market,
        abi: storageMarketAbi,
        functionName: "slotInfo",
        args: [slotId],
      })) as { root: Hex };
      const commitment = keccak256(
        encodeAbiParameters([{ type: "bytes32" }, { type: "address" }], [rootHex, sender.address]),
      );
      const matchesChain = slot.root === commitment;
      endpoint.received.push({ requestId, index, bytes: bytes.length, matchesChain });
      if (!matchesChain) {
        response.writeHead(422).end('{"error":{"message":"the bytes do not match the slot root"}}');
        return;
      }
      response.writeHead(201, { "content-type": "application/json" }).end("{}");
      if (endpoint.behaviour.fill) {
        const fill = queue.tail
          .catch(() => {})
          .then(() => fillSlot(devnet, client, sender, params, slotId, rootHex, bytes));
        queue.tail = fill;
        endpoint.fills.push(fill);
      }
    })().catch((err) => {
      if (!response.headersSent) response.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  endpoint.url = `http://127.0.0.1:${port}`;
  endpoint.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}
