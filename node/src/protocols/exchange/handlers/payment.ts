/**
 * The provider's handling of `account` and `payment` messages: turns wire fields into an
 * account and a voucher, and hands them to the cashier, which checks and stores them.
 * Malformed fields are a malformed message; a refused voucher rejects (the stream ends).
 */
import type { Hex } from "viem";
import type { Message } from "../codec.ts";
import { InvalidMessageError } from "../errors.ts";
import type { ExchangeCashier } from "../types.ts";
import { decodeAmount } from "../wire.ts";

function hexOf(bytes: Uint8Array, length: number, field: string): Hex {
  if (bytes.byteLength !== length) {
    throw new InvalidMessageError(`${field} must be ${length} bytes, got ${bytes.byteLength}`);
  }
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export async function handlePayment(cashier: ExchangeCashier, peer: string, message: Message): Promise<void> {
  if (message.account !== undefined) {
    cashier.declareAccount(peer, {
      address: hexOf(message.account.address, 20, "account.address"),
      channelId: hexOf(message.account.channelId, 32, "account.channelId"),
    });
  }
  if (message.payment !== undefined) {
    await cashier.receivePayment(peer, {
      channelId: hexOf(message.payment.channelId, 32, "payment.channelId"),
      cumulativeAmount: decodeAmount(message.payment.cumulativeAmount),
      signature: hexOf(message.payment.signature, 65, "payment.signature"),
    });
  }
}
