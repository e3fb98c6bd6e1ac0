/** The libp2p peers this node is connected to. */
import type { FastifyInstance } from "fastify";
import { API_PREFIX } from "../constants.ts";
import { NotFoundApiError } from "../errors.ts";
import type { RouteContext } from "../server.ts";

const peer = {
  type: "object",
  required: ["peerId", "address", "direction", "openedAt", "streams"],
  properties: {
    peerId: { type: "string" },
    address: { type: "string", description: "The connection's remote multiaddr." },
    direction: { type: "string", enum: ["inbound", "outbound"] },
    openedAt: { type: "string", format: "date-time" },
    streams: { type: "integer", description: "Streams open on the connection now." },
  },
} as const;

export async function peerRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    `${API_PREFIX}/peers`,
    {
      schema: {
        tags: ["network"],
        summary: "Connected peers",
        description: "One entry per open libp2p connection. 404 when the node runs with p2p.enabled off.",
        response: {
          200: {
            type: "object",
            required: ["peers"],
            properties: { peers: { type: "array", items: peer } },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async () => {
      const network = ctx.components.network;
      if (network === undefined)
        throw new NotFoundApiError("the node runs without libp2p (p2p.enabled is off)");
      const peers = network.getConnections().map((connection) => ({
        peerId: connection.remotePeer.toString(),
        address: connection.remoteAddr.toString(),
        direction: connection.direction,
        openedAt: new Date(connection.timeline.open).toISOString(),
        streams: connection.streams.length,
      }));
      return { peers };
    },
  );
}
