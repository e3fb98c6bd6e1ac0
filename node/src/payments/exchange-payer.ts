/**
 * The client's side of paying for blocks, as the exchange's sessions call it: it opens a
 * channel to each provider that charges, counts what each received block costs, and signs
 * a cumulative voucher once the debt to a provider reaches half that provider's threshold.
 * Paying at half, not per block, keeps signature checks (about 1.7 ms each with viem) off
 * the per-block path, while leaving the other half as room for blocks already in flight.
 *
 * The debt is kept per provider, not per session, because the provider keeps one ledger per
 * peer across all its streams: it is counted from the first block, while the channel is
 * still being opened, and a session that ends leaves what it owes here, for the next session
 * to that provider or, when none is left to carry it, for `payOwed` once the channel is open.
 * It lives as long as the node runs: after a restart, what was owed and not yet signed for
 * (under half a threshold) is forgotten, and the provider carries it as debt.
 */
import { type Address, getAddress } from "viem";
import type {
  ExchangePayer,
  PayerAccount,
  ProviderTerms,
  SignedVoucher,
} from "../protocols/exchange/types.ts";
import type { ChannelPayer } from "./channel-payer.ts";

interface ProviderDebt {
  recipient: Address;
  threshold: bigint;
  /** wei received and not yet covered by a signed voucher */
  owed: bigint;
  /** A channel to the provider is open, so the debt can be paid. */
  open: boolean;
}

export class ChannelExchangePayer implements ExchangePayer {
  private readonly payer: ChannelPayer;
  private readonly debts = new Map<string, ProviderDebt>();

  constructor(payer: ChannelPayer) {
    this.payer = payer;
  }

  async openAccount(peer: string, terms: ProviderTerms): Promise<PayerAccount> {
    const recipient = getAddress(terms.recipient);
    // Counted from now: blocks arrive while the channel below is being opened.
    let debt = this.debts.get(peer);
    if (debt === undefined) {
      debt = { recipient, threshold: terms.paymentThreshold, owed: 0n, open: false };
      this.debts.set(peer, debt);
    } else {
      debt.recipient = recipient;
      debt.threshold = terms.paymentThreshold;
    }
    // Room for one threshold of vouchers, so the channel is not topped up at every payment.
    const channel = await this.payer.channelFor(recipient, terms.paymentThreshold);
    debt.open = true;
    return { address: this.payer.address, channelId: channel.channelId };
  }

  owe(peer: string, price: bigint): Promise<SignedVoucher> | undefined {
    const debt = this.debts.get(peer);
    if (debt === undefined) return undefined;
    debt.owed += price;
    if (!debt.open || debt.owed * 2n < debt.threshold) return undefined;
    return this.pay(debt);
  }

  payOwed(peer: string): Promise<SignedVoucher> | undefined {
    const debt = this.debts.get(peer);
    if (debt === undefined || !debt.open || debt.owed === 0n) return undefined;
    return this.pay(debt);
  }

  /** wei received from `peer` not yet covered by a voucher. */
  owedTo(peer: string): bigint {
    return this.debts.get(peer)?.owed ?? 0n;
  }

  /** Signs a voucher for all that is owed; the debt is cleared now, so no one signs it twice. */
  private pay(debt: ProviderDebt): Promise<SignedVoucher> {
    const amount = debt.owed;
    debt.owed = 0n;
    return this.payer.pay(debt.recipient, amount).catch((err: Error) => {
      debt.owed += amount; // not signed: still owed, paid with the next voucher
      throw err;
    });
  }
}
