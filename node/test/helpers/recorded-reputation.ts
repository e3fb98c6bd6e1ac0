/**
 * A test helper: a `ReputationRecorder` that keeps every event in a list and scores a peer
 * from its recorded events with a plain success ratio, so tests can see what the exchange
 * and payments reported. The node's real recorder lives in node/src/reputation.
 */
import type { ReputationContext, ReputationEvent, ReputationRecorder } from "../../src/reputation/types.ts";

const BAD: ReadonlySet<ReputationEvent["kind"]> = new Set([
  "failure",
  "invalid-block",
  "voucher-invalid",
  "payment-late",
  "slashed",
]);

export class RecordedReputation implements ReputationRecorder {
  readonly events: Array<{ peerId: string; context: ReputationContext; event: ReputationEvent }> = [];

  record(peerId: string, context: ReputationContext, event: ReputationEvent): void {
    this.events.push({ peerId, context, event });
  }

  /** 50 with no events; otherwise (good + 1) / (all + 2) of 100, a beta prior. */
  score(peerId: string, context: ReputationContext): number {
    let good = 0;
    let all = 0;
    for (const e of this.events) {
      if (e.peerId !== peerId || e.context !== context) continue;
      all++;
      if (!BAD.has(e.event.kind)) good++;
    }
    return (100 * (good + 1)) / (all + 2);
  }

  kinds(peerId: string, context?: ReputationContext): string[] {
    return this.events
      .filter((e) => e.peerId === peerId && (context === undefined || e.context === context))
      .map((e) => e.event.kind);
  }
}
