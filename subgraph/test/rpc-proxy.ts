/**
 * Serves Hardhat's in-process chain over HTTP JSON-RPC, so the indexer reads it by URL.
 * `reshape` may change an answer before it is sent, so a test can give the chain another
 * client's habits.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { NetworkConnection } from "hardhat/types/network";

export type ReshapeAnswer = (method: string, result: unknown) => unknown;

export async function serveRpc(
  connection: NetworkConnection,
  reshape: ReshapeAnswer = (_method, result) => result,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as
      | { id: number; method: string; params?: unknown[] }
      | { id: number; method: string; params?: unknown[] }[];
    const one = async (call: { id: number; method: string; params?: unknown[] }) => {
      try {
        const result = await connection.provider.request({ method: call.method, params: call.params ?? [] });
        return { jsonrpc: "2.0", id: call.id, result: reshape(call.method, result) };
      } catch (error) {
        return { jsonrpc: "2.0", id: call.id, error: { code: -32000, message: (error as Error).message } };
      }
    };
    const response = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
