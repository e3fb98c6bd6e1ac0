/**
 * Carries a payment whose session closed before it could send it, on a short stream of its
 * own. Most often that is a first download from a provider that ended while the channel to
 * it was still being opened: the voucher for its blocks exists only once the open is mined.
 * The provider keeps one ledger per peer across its streams, so a voucher on any stream
 * pays what the peer owes; the account goes with it, as the provider may not know it yet.
 */
import type { AbortOptions, Libp2p, PeerId } from "@libp2p/interface";
import { type FramingOptions, readMessages, writeMessage } from "./codec.ts";
import { PROTOCOL_NAME } from "./constants.ts";
import { accountMessage, paymentMessage } from "./payment-messages.ts";
import type { PayerAccount, SignedVoucher } from "./types.ts";

export interface UnsentPayment {
  account: PayerAccount;
  voucher: SignedVoucher;
}

export async function deliverPayment(
  network: Pick<Libp2p, "dial">,
  peer: PeerId,
  payment: UnsentPayment,
  options: FramingOptions & AbortOptions,
): Promise<void> {
  const connection = await network.dial(peer, { signal: options.signal });
  const stream = await connection.newStream(PROTOCOL_NAME, { signal: options.signal });
  try {
    await writeMessage(
      stream,
      { account: accountMessage(payment.account), payment: paymentMessage(payment.voucher) },
      options,
    );
    await stream.close({ signal: options.signal });
    // The provider ends its side once it has read ours (it sends its terms first).
    for await (const _ of readMessages(stream, options)) {
      // nothing else is asked for
    }
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}
