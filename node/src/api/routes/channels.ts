/**
 * `/api/v1/channels`: the payment channels this node pays providers through (client side)
 * and the latest voucher of each channel that pays it (provider side); opening, topping up
 * and asking to close the client's channels. Amounts are decimal wei strings.
 */
import type { FastifyInstance } from "fastify";
import { getAddress, type Hex } from "viem";
import { ContractRevertError } from "../../chain/errors.ts";
import { ReceivedVoucherTable, type SentChannel } from "../../payments/index.ts";
import type { ChannelAdmin, ChannelWrite } from "../../retrieval/index.ts";
import { API_PREFIX } from "../constants.ts";
import {
  ConflictError,
  ContractRevertApiError,
  NotFoundApiError,
  ServiceUnavailableError,
} from "../errors.ts";
import type { RouteContext } from "../server.ts";

const errorRef = { $ref: "Error#" };
const wei = { type: "string", pattern: "^[0-9]{1,78}$", description: "wei, as a decimal string." };
const channelIdParams = {
  type: "object",
  required: ["id"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$", description: "The channel id (bytes32)." },
  },
} as const;

const sentSchema = {
  type: "object",
  required: ["channelId", "recipient", "deposit", "paid", "state"],
  properties: {
    channelId: { type: "string" },
    recipient: { type: "string", description: "The provider's wallet." },
    deposit: { ...wei, description: "wei deposited in the channel." },
    paid: { ...wei, description: "wei signed over to the provider so far (the last voucher's total)." },
    state: { type: "string", enum: ["opening", "open", "closing", "closed"] },
  },
} as const;

const receivedSchema = {
  type: "object",
  required: ["channelId", "sender", "peerId", "amount", "settled", "closed", "updatedAt"],
  properties: {
    channelId: { type: "string" },
    sender: { type: "string", description: "The client's wallet." },
    peerId: { type: "string" },
    amount: { ...wei, description: "The latest voucher's cumulative total." },
    settled: { ...wei, description: "wei the contract has paid this node on the channel." },
    closed: { type: "boolean" },
    updatedAt: { type: "string", format: "date-time" },
  },
} as const;

const writeResult = {
  type: "object",
  required: ["channel", "transactionHash"],
  properties: { channel: sentSchema, transactionHash: { type: "string" } },
} as const;

function showSent(channel: SentChannel) {
  return {
    channelId: channel.channelId,
    recipient: channel.recipient,
    deposit: channel.deposited.toString(),
    paid: channel.cumulativeSent.toString(),
    state: channel.state,
  };
}

function showWrite(write: ChannelWrite) {
  return { channel: showSent(write.channel), transactionHash: write.transactionHash };
}

/** Runs a channel write and turns the ways it can be refused into API errors. */
async function transact(run: () => Promise<ChannelWrite>) {
  try {
    return showWrite(await run());
  } catch (err) {
    if (err instanceof ContractRevertError) throw new ContractRevertApiError(err.errorName, err.message);
    const name = (err as Error).name;
    if (name === "UnknownChannelError") throw new NotFoundApiError((err as Error).message, "id");
    if (name === "ChannelBudgetError")
      throw new ConflictError("CHANNEL_BUDGET_EXCEEDED", (err as Error).message);
    throw err;
  }
}

export async function channelRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const tags = ["channels"];
  const admin = (): ChannelAdmin => {
    const channelAdmin = ctx.components.channelAdmin;
    if (channelAdmin === undefined)
      throw new ServiceUnavailableError(
        "the node has no payment channels (no chain link or no payments config)",
      );
    return channelAdmin;
  };
  const db = ctx.components.metadata.database;

  app.get(
    `${API_PREFIX}/channels`,
    {
      schema: {
        tags,
        summary: "Payment channels",
        description:
          "`sent`: the channels this node opened to pay providers for blocks, newest first, with what " +
          "it has signed over so far. `received`: the latest voucher of each channel that pays this node " +
          "as a provider. A side the node does not run is an empty list.",
        response: {
          200: {
            type: "object",
            required: ["sent", "received"],
            properties: {
              address: { type: "string", description: "The wallet the node pays from." },
              sent: { type: "array", items: sentSchema },
              received: { type: "array", items: receivedSchema },
            },
          },
        },
      },
    },
    async () => {
      const payer = ctx.components.channels;
      // The payments tables have no list-all query; their ids are read here, the rows
      // through the tables themselves so the decoding stays theirs.
      const sent = payer
        ? (
            db
              .prepare(
                "SELECT channel_id FROM payment_channels_sent WHERE sender = ? ORDER BY created_at DESC",
              )
              .all(getAddress(payer.address)) as Array<{ channel_id: Hex }>
          )
            .map((row) => payer.table.get(row.channel_id))
            .filter((c): c is SentChannel => c !== undefined)
            .map(showSent)
        : [];
      const vouchers = new ReceivedVoucherTable(ctx.components.metadata);
      const received = ctx.components.accounting
        ? (
            db
              .prepare("SELECT channel_id FROM payment_vouchers_received ORDER BY updated_at DESC")
              .all() as Array<{
              channel_id: Hex;
            }>
          ).flatMap((row) => {
            const v = vouchers.get(row.channel_id);
            return v === undefined
              ? []
              : [
                  {
                    channelId: v.channelId,
                    sender: v.sender,
                    peerId: v.peerId,
                    amount: v.cumulativeAmount.toString(),
                    settled: v.settledAmount.toString(),
                    closed: v.closed,
                    updatedAt: new Date(v.updatedAt).toISOString(),
                  },
                ];
          })
        : [];
      return { address: payer?.address, sent, received };
    },
  );

  app.post<{ Body: { recipient: string; deposit: string } }>(
    `${API_PREFIX}/channels`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Open a channel",
        description:
          "Opens a payment channel to `recipient` (a provider's wallet) holding `deposit` wei, within the " +
          "node's channel budget (409 CHANNEL_BUDGET_EXCEEDED otherwise). The exchange pays that provider " +
          "through it from then on.",
        security: [{ bearer: [] }],
        body: {
          type: "object",
          additionalProperties: false,
          required: ["recipient", "deposit"],
          properties: {
            recipient: {
              type: "string",
              pattern: "^0x[0-9a-fA-F]{40}$",
              description: "The provider's wallet.",
            },
            deposit: wei,
          },
        },
        response: {
          201: writeResult,
          400: errorRef,
          401: errorRef,
          409: errorRef,
          422: errorRef,
          503: errorRef,
        },
      },
    },
    async (request, reply) => {
      const result = await transact(() =>
        admin().open(getAddress(request.body.recipient), BigInt(request.body.deposit)),
      );
      reply.code(201);
      return result;
    },
  );

  app.post<{ Params: { id: string }; Body: { amount: string } }>(
    `${API_PREFIX}/channels/:id/deposit`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Top up a channel",
        description: "Adds `amount` wei to one of this node's open channels (422 CONTRACT_REVERT for 0).",
        security: [{ bearer: [] }],
        params: channelIdParams,
        body: {
          type: "object",
          additionalProperties: false,
          required: ["amount"],
          properties: { amount: wei },
        },
        response: {
          200: writeResult,
          400: errorRef,
          401: errorRef,
          404: errorRef,
          409: errorRef,
          422: errorRef,
          503: errorRef,
        },
      },
    },
    async (request) =>
      transact(() => admin().deposit(request.params.id.toLowerCase() as Hex, BigInt(request.body.amount))),
  );

  app.post<{ Params: { id: string } }>(
    `${API_PREFIX}/channels/:id/close`,
    {
      config: { auth: true },
      schema: {
        tags,
        summary: "Ask to close a channel",
        description:
          "Calls `requestClose`: the provider can still cash its vouchers during the channel's close " +
          "delay; what is left of the deposit can be withdrawn after it. 422 CONTRACT_REVERT when a " +
          "close was already requested.",
        security: [{ bearer: [] }],
        params: channelIdParams,
        response: {
          200: writeResult,
          400: errorRef,
          401: errorRef,
          404: errorRef,
          422: errorRef,
          503: errorRef,
        },
      },
    },
    async (request) => transact(() => admin().requestClose(request.params.id.toLowerCase() as Hex)),
  );
}
