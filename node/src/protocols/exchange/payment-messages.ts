/**
 * The client's payment messages in their wire form: the `account` its vouchers come from,
 * and a `payment` carrying one voucher. A session sends them on its own stream; a payment
 * its session closed before sending goes on a stream of its own (payment-courier.ts).
 */
import type { Message } from "./codec.ts";
import type { PayerAccount, SignedVoucher } from "./types.ts";
import { encodeAmount } from "./wire.ts";

function hexBytes(hex: `0x${string}`): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

export function accountMessage(account: PayerAccount): Message.Account {
  return { address: hexBytes(account.address), channelId: hexBytes(account.channelId) };
}

export function paymentMessage(voucher: SignedVoucher): Message.Payment {
  return {
    channelId: hexBytes(voucher.channelId),
    cumulativeAmount: encodeAmount(voucher.cumulativeAmount),
    signature: hexBytes(voucher.signature),
  };
}
