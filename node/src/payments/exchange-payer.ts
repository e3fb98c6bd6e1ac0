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
 * It is kept on disk (`payment_debts`, side `owed`, debt-table.ts), so a restart forgets
 * nothing: the next session to that provider finds it and pays it with the rest. What is on
 * disk is what was received and not yet signed for, the amounts being signed included, and
 * the voucher's commit writes the debt it pays off, so a crash at any point neither loses a
 * debt nor pays one twice.
 *
 * With a `RecipientCheck`, a provider is paid only at the wallet the registry binds to its
 * peer id (recipient-check.ts); its terms are refused otherwise, before anything is owed.
 */
import { type Address, getAddress } from "viem";
import type {
  ExchangePayer,
  PayerAccount,
  ProviderTerms,
  SignedVoucher,
} from "../protocols/exchange/types.ts";
import type { ChannelPayer } from "./channel-payer.ts";
import type { RecipientCheck } from "./recipient-check.ts";

interface ProviderDebt {
  /** Known once the provider stated its terms in this process's lifetime. */
  recipient?: Address;
  threshold: bigint;
  /** wei received and not yet covered by a signed voucher */
  owed: bigint;
  /** wei taken out of `owed` into vouchers being signed and stored */
  signing: bigint;
  /** A channel to the provider is open, so the debt can be paid. */
  open: boolean;
}

export class ChannelExchangePayer implements ExchangePayer {
  private readonly payer: ChannelPayer;
  private readonly recipients: RecipientCheck | undefined;
  private readonly debts = new Map<string, ProviderDebt>();

  constructor(payer: ChannelPayer, options: { recipients?: RecipientCheck } = {}) {
    this.payer = payer;
    this.recipients = options.recipients;
    // Debts left by the last run; paid once their providers' terms are known again.
    for (const [peer, owed] of payer.debts.all("owed")) {
      this.debts.set(peer, { threshold: 0n, owed, signing: 0n, open: false });
    }
  }

  async openAccount(peer: string, terms: ProviderTerms): Promise<PayerAccount> {
    const recipient = getAddress(terms.recipient);
    this.recipients?.check(peer, recipient);
    // Counted from now: blocks arrive while the channel below is being opened.
    let debt = this.debts.get(peer);
    if (debt === undefined) {
      debt = { recipient, threshold: terms.paymentThreshold, owed: 0n, signing: 0n, open: false };
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
    if (price > 0n) this.persist(peer, debt);
    if (!debt.open || debt.owed * 2n < debt.threshold) return undefined;
    return this.pay(peer, debt);
  }

  payOwed(peer: string): Promise<SignedVoucher> | undefined {
    const debt = this.debts.get(peer);
    if (debt === undefined || !debt.open || debt.owed === 0n) return undefined;
    return this.pay(peer, debt);
  }

  /** wei received from `peer` not yet covered by a voucher. */
  owedTo(peer: string): bigint {
    return this.debts.get(peer)?.owed ?? 0n;
  }

  /**
   * Signs a voucher for all that is owed. The debt leaves `owed` now, so no one signs it
   * twice, and leaves the disk in the commit that stores the voucher.
   */
  private pay(peer: string, debt: ProviderDebt): Promise<SignedVoucher> {
    const { recipient } = debt;
    if (recipient === undefined) throw new Error("pay() before the provider's terms are known");
    const amount = debt.owed;
    debt.owed = 0n;
    debt.signing += amount;
    let applied = false;
    return this.payer
      .pay(recipient, amount, () => {
        debt.signing -= amount;
        applied = true;
        this.persist(peer, debt);
      })
      .catch((err: Error) => {
        // Not stored: still owed, paid with the next voucher.
        if (!applied) debt.signing -= amount;
        debt.owed += amount;
        this.persist(peer, debt);
        throw err;
      });
  }

  private persist(peer: string, debt: ProviderDebt): void {
    this.payer.debts.set(peer, "owed", debt.owed + debt.signing);
  }
}
