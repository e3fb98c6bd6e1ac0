/**
 * The provider's accounting, after Swarm's bee: a ledger per peer (debt in wei, bytes
 * charged, a refilling free allowance), voucher checks, durable storage of the latest
 * voucher before it counts, cut-off past the threshold plus a tolerance, and cashing on
 * the chain once vouchers hold enough value or when a channel is closing.
 *
 * A peer's debt is kept on disk (`payment_debts`, side `due`, debt-table.ts) as it changes,
 * and the commit that stores a voucher also writes the debt it pays off, so a restart of
 * either side neither forgives a debt nor counts a payment twice.
 */
import { type Address, getAddress, type Hex, isAddress, isHex, size } from "viem";
import type { TransactionSender } from "../chain/types.ts";
import { verifyVoucher } from "../core/voucher.ts";
import { paymentChannelsAbi } from "../generated/contracts.ts";
import type { Logger } from "../logging/index.ts";
import type {
  ExchangeCashier,
  PayerAccount,
  ProviderTerms,
  SignedVoucher,
} from "../protocols/exchange/types.ts";
import type { ReputationRecorder } from "../reputation/types.ts";
import type { MetadataStore } from "../store/metadata/index.ts";
import type { Startable } from "../utils/startable.ts";
import type { ChannelInfo, ChannelReader } from "./channel-reader.ts";
import { MAX_UINT256 } from "./constants.ts";
import { DebtTable } from "./debt-table.ts";
import { InvalidAccountError, VoucherRejectedError } from "./errors.ts";
import { FreeAllowance } from "./free-allowance.ts";
import { ReceivedVoucherTable } from "./voucher-table.ts";

export interface ProviderAccountingInit {
  chainId: number;
  paymentChannels: Address;
  pricePerBlock: bigint;
  paymentThreshold: bigint;
  tolerancePercent: bigint;
  freeAllowance: bigint;
  freeAllowanceRefillPerSecond: bigint;
  settleThreshold: bigint;
  /** ms between checks for channels whose sender asked to close; 0 turns the timer off. */
  closeWatchInterval: number;
}

export interface ProviderAccountingComponents {
  metadata: MetadataStore;
  channels: ChannelReader;
  transactions: TransactionSender;
  reputation?: ReputationRecorder;
  logger: Logger;
}

/** One peer's ledger. Debt is wei served on credit and not yet paid by a stored voucher. */
export interface PeerLedger {
  account?: { address: Address; channelId: Hex };
  debt: bigint;
  /** wei charged in total (free allowance included) */
  charged: bigint;
  /** wei credited by vouchers in this process's lifetime */
  credited: bigint;
  allowance: FreeAllowance;
  waiters: Set<() => void>;
}

export class ProviderAccounting implements ExchangeCashier, Startable {
  private readonly components: ProviderAccountingComponents;
  private readonly init: ProviderAccountingInit;
  private readonly log: Logger;
  private readonly vouchers: ReceivedVoucherTable;
  private readonly debts: DebtTable;
  private readonly ledgers = new Map<string, PeerLedger>();
  /** Channel state as last read; re-read when a voucher goes past the cached deposit. */
  private readonly channelCache = new Map<string, ChannelInfo>();
  /** One voucher check at a time per channel, so totals are compared in order. */
  private readonly channelLocks = new Map<string, Promise<unknown>>();
  private readonly settling = new Map<string, Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(components: ProviderAccountingComponents, init: ProviderAccountingInit) {
    this.components = components;
    this.init = init;
    this.log = components.logger;
    this.vouchers = new ReceivedVoucherTable(components.metadata);
    this.debts = new DebtTable(components.metadata);
  }

  get recipient(): Address {
    return this.components.transactions.address;
  }

  start(): void {
    if (this.init.closeWatchInterval > 0 && this.timer === undefined) {
      this.timer = setInterval(() => {
        this.watchClosingChannels().catch((err) => this.log.warn("close watch failed", { err }));
      }, this.init.closeWatchInterval);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.settling.values()]);
  }

  terms(): ProviderTerms {
    return {
      recipient: this.recipient,
      pricePerBlock: this.init.pricePerBlock,
      paymentThreshold: this.init.paymentThreshold,
    };
  }

  /** The peer's ledger (created on first use, with the debt it left unpaid before a restart). */
  ledger(peer: string): PeerLedger {
    let ledger = this.ledgers.get(peer);
    if (ledger === undefined) {
      ledger = {
        debt: this.debts.get(peer, "due"),
        charged: 0n,
        credited: 0n,
        allowance: new FreeAllowance(this.init.freeAllowance, this.init.freeAllowanceRefillPerSecond),
        waiters: new Set(),
      };
      this.ledgers.set(peer, ledger);
    }
    return ledger;
  }

  declareAccount(peer: string, account: PayerAccount): void {
    if (!isAddress(account.address, { strict: false })) {
      throw new InvalidAccountError(`peer ${peer} declared an invalid address`);
    }
    if (!isHex(account.channelId, { strict: true }) || size(account.channelId) !== 32) {
      throw new InvalidAccountError(`peer ${peer} declared a channel id that is not 32 bytes`);
    }
    this.ledger(peer).account = {
      address: getAddress(account.address),
      channelId: account.channelId.toLowerCase() as Hex,
    };
  }

  receivePayment(peer: string, voucher: SignedVoucher): Promise<bigint> {
    const channelId = voucher.channelId.toLowerCase();
    const previous = this.channelLocks.get(channelId) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.checkAndStore(peer, voucher));
    this.channelLocks.set(channelId, run);
    run
      .finally(() => {
        if (this.channelLocks.get(channelId) === run) this.channelLocks.delete(channelId);
      })
      .catch(() => {});
    return run;
  }

  tryCharge(peer: string, price: bigint, creditFactor: number): boolean {
    const ledger = this.ledger(peer);
    if (price === 0n) return true;
    if (ledger.allowance.take(price)) {
      ledger.charged += price;
      return true;
    }
    if (ledger.debt + price > this.creditLimit(creditFactor)) return false;
    ledger.debt += price;
    ledger.charged += price;
    this.debts.set(peer, "due", ledger.debt);
    return true;
  }

  /** The most debt a peer may carry: threshold plus tolerance, scaled by its reputation. */
  creditLimit(creditFactor: number): bigint {
    const factor = Number.isFinite(creditFactor) ? Math.min(1, Math.max(0, creditFactor)) : 0;
    const full =
      this.init.paymentThreshold + (this.init.paymentThreshold * this.init.tolerancePercent) / 100n;
    return (full * BigInt(Math.round(factor * 1000))) / 1000n;
  }

  nextPayment(peer: string, signal: AbortSignal): Promise<void> {
    const ledger = this.ledger(peer);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onPaid = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        ledger.waiters.delete(onPaid);
        reject(signal.reason as Error);
      };
      ledger.waiters.add(onPaid);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  cutOff(peer: string): void {
    const ledger = this.ledger(peer);
    this.log.info("peer cut off for not paying", { peer, debt: ledger.debt.toString() });
    this.components.reputation?.record(peer, "paying", { kind: "payment-late" });
    const channelId = ledger.account?.channelId;
    if (channelId !== undefined) this.settle(channelId, "cut-off");
  }

  /**
   * Cashes the latest voucher of a channel on-chain: `closeWithVoucher` when the sender
   * asked to close, `settle` otherwise. One transaction per channel at a time; resolves
   * when it is mined (or failed, which is logged: the voucher stays stored for a retry).
   */
  settle(channelId: Hex, reason: string): Promise<void> {
    const key = channelId.toLowerCase();
    const running = this.settling.get(key);
    if (running !== undefined) return running;
    const run = this.cash(key as Hex, reason)
      .catch((err) => this.log.warn("cashing a voucher failed", { channelId: key, reason, err }))
      .finally(() => this.settling.delete(key));
    this.settling.set(key, run);
    return run;
  }

  /** Looks for channels whose sender asked to close, and closes them with our voucher. */
  async watchClosingChannels(): Promise<void> {
    for (const voucher of this.vouchers.unsettled()) {
      const info = await this.components.channels.readChannel(voucher.channelId);
      this.channelCache.set(voucher.channelId, info);
      if (info.state === "closing") await this.settle(voucher.channelId, "closing");
    }
  }

  private async cash(channelId: Hex, reason: string): Promise<void> {
    const stored = this.vouchers.get(channelId);
    if (stored === undefined || stored.closed || stored.cumulativeAmount <= stored.settledAmount) return;
    const info = await this.components.channels.readChannel(channelId);
    if (info.state === "closed" || info.state === "none") {
      this.vouchers.markSettled(channelId, info.paid, true);
      return;
    }
    if (stored.cumulativeAmount <= info.paid) {
      this.vouchers.markSettled(channelId, info.paid, false);
      return;
    }
    const functionName = info.state === "closing" ? "closeWithVoucher" : "settle";
    await this.components.transactions.send(
      {
        address: this.init.paymentChannels,
        abi: paymentChannelsAbi,
        functionName,
        args: [{ channelId, cumulativeAmount: stored.cumulativeAmount }, stored.signature],
      },
      { label: functionName },
    );
    const after = await this.components.channels.readChannel(channelId);
    this.channelCache.set(channelId, after);
    this.vouchers.markSettled(channelId, after.paid, after.state === "closed");
    this.log.info("voucher cashed", { channelId, reason, functionName, paid: after.paid.toString() });
  }

  private async checkAndStore(peer: string, voucher: SignedVoucher): Promise<bigint> {
    try {
      const credited = await this.check(peer, voucher);
      // A stale voucher is genuine but pays nothing new: counting it would let a peer raise
      // its paying score by replaying one voucher.
      if (credited > 0n) this.components.reputation?.record(peer, "paying", { kind: "voucher-valid" });
      return credited;
    } catch (err) {
      if (err instanceof VoucherRejectedError) {
        this.components.reputation?.record(peer, "paying", { kind: "voucher-invalid" });
      }
      throw err;
    }
  }

  private async check(peer: string, voucher: SignedVoucher): Promise<bigint> {
    const ledger = this.ledger(peer);
    const account = ledger.account;
    if (account === undefined) throw new VoucherRejectedError("no-account", `peer ${peer} sent no account`);
    if (!isHex(voucher.channelId, { strict: true }) || size(voucher.channelId) !== 32) {
      throw new VoucherRejectedError("malformed", "channel id is not 32 bytes");
    }
    if (!isHex(voucher.signature, { strict: true }) || size(voucher.signature) !== 65) {
      throw new VoucherRejectedError("malformed", "signature is not 65 bytes");
    }
    if (voucher.cumulativeAmount <= 0n || voucher.cumulativeAmount > MAX_UINT256) {
      throw new VoucherRejectedError("malformed", "cumulative amount out of range");
    }
    const channelId = voucher.channelId.toLowerCase() as Hex;
    if (channelId !== account.channelId) {
      throw new VoucherRejectedError(
        "wrong-channel",
        `voucher for ${channelId}, account names ${account.channelId}`,
      );
    }
    const info = await this.channelInfo(channelId, voucher.cumulativeAmount);
    if (info.state === "none")
      throw new VoucherRejectedError("unknown-channel", `${channelId} does not exist`);
    if (info.state === "closed") throw new VoucherRejectedError("channel-closed", `${channelId} is closed`);
    if (info.recipient !== this.recipient) {
      throw new VoucherRejectedError("wrong-recipient", `${channelId} pays ${info.recipient}, not us`);
    }
    if (info.sender !== account.address) {
      throw new VoucherRejectedError(
        "wrong-sender",
        `${channelId} is ${info.sender}'s, the peer declared ${account.address}`,
      );
    }
    if (voucher.cumulativeAmount > info.deposited) {
      throw new VoucherRejectedError(
        "above-deposit",
        `total ${voucher.cumulativeAmount} exceeds the ${info.deposited} deposited`,
      );
    }
    const valid = await verifyVoucher(
      { chainId: this.init.chainId, verifyingContract: this.init.paymentChannels },
      { channelId, cumulativeAmount: voucher.cumulativeAmount },
      voucher.signature,
      account.address,
    ).catch(() => false);
    if (!valid) throw new VoucherRejectedError("bad-signature", `not signed by ${account.address}`);

    const settled = this.vouchers.get(channelId)?.settledAmount ?? 0n;
    // Durable first: the debt goes down only once the voucher that pays it is on disk, and
    // the debt on disk goes down in the same commit.
    const before = this.components.metadata.transaction(() => {
      const before = this.vouchers.saveIfHigher({
        channelId,
        sender: account.address,
        peerId: peer,
        cumulativeAmount: voucher.cumulativeAmount,
        signature: voucher.signature,
      });
      if (before !== undefined) {
        this.debts.set(peer, "due", ledger.debt - (voucher.cumulativeAmount - before));
      }
      return before;
    });
    if (before === undefined) {
      // Not above the one we hold: a voucher overtaken by a later one (two of the peer's
      // streams racing) or sent again by a client that could not tell whether the first
      // arrived. The one we hold already covers it, so it is harmless and pays nothing.
      this.log.debug("stale voucher ignored", {
        peer,
        channelId,
        cumulativeAmount: voucher.cumulativeAmount.toString(),
      });
      return 0n;
    }
    const credited = voucher.cumulativeAmount - before;
    ledger.debt -= credited;
    ledger.credited += credited;
    for (const wake of [...ledger.waiters]) {
      ledger.waiters.delete(wake);
      wake();
    }
    const unsettled = voucher.cumulativeAmount - settled;
    if (info.state === "closing") this.settle(channelId, "closing");
    else if (unsettled >= this.init.settleThreshold) this.settle(channelId, "threshold");
    return credited;
  }

  private async channelInfo(channelId: Hex, amount: bigint): Promise<ChannelInfo> {
    const cached = this.channelCache.get(channelId);
    // A cached channel is good while the voucher fits its deposit; past it, a top-up may have landed.
    if (cached !== undefined && cached.state === "open" && amount <= cached.deposited) return cached;
    const info = await this.components.channels.readChannel(channelId);
    this.channelCache.set(channelId, info);
    return info;
  }
}
