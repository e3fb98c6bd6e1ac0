/**
 * What the rest of the node reports to, and asks of, the reputation service. The block
 * exchange records how providers serve and how clients pay; the chain watcher records
 * slashes; sessions and purchases rank providers by score.
 */

/** What a score is about: serving blocks, paying for them, or keeping stored slots. */
export type ReputationContext = "serving" | "paying" | "storing";

export type ReputationEvent =
  /** A request answered well; latency and throughput feed the score when known. */
  | { kind: "success"; latencyMs?: number; bytes?: number; durationMs?: number }
  /** A timeout, a broken stream, or a promised block not delivered. */
  | { kind: "failure" }
  /** A block whose bytes did not match its CID. */
  | { kind: "invalid-block" }
  /** A voucher that checked out. */
  | { kind: "voucher-valid" }
  /** A voucher with a bad signature, a lower total than before, or more than the channel holds. */
  | { kind: "voucher-invalid" }
  /** Debt past the payment threshold without a voucher. */
  | { kind: "payment-late" }
  /** A slash of this provider seen on-chain. */
  | { kind: "slashed" };

export interface ReputationRecorder {
  /** Records one event about a peer (a libp2p peer id string) in a context. */
  record(peerId: string, context: ReputationContext, event: ReputationEvent): void;
  /** The peer's score in the context, 0 (worst) to 100 (best); unknown peers get the neutral prior. */
  score(peerId: string, context: ReputationContext): number;
}

/** Where a log sits in the chain. */
export interface ChainPosition {
  blockNumber: bigint;
  logIndex: number;
}

/**
 * For events read from the chain, which a node replays from the deploy block at every
 * start: each must count once, however often it is read.
 */
export interface ChainReputationRecorder extends ReputationRecorder {
  /**
   * Records the event only if `position` is past the last position recorded under
   * `cursor` (one cursor per log source, e.g. "registry"), and moves the cursor there.
   * Returns whether it counted. The cursor is written in the same transaction as the
   * score, so a crash can never count an event twice.
   */
  recordOnce(
    cursor: string,
    position: ChainPosition,
    peerId: string,
    context: ReputationContext,
    event: ReputationEvent,
  ): boolean;
}
