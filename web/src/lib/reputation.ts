/**
 * A provider's reputation as the market shows it: the share of required proofs it
 * delivered, with one imagined success and one imagined miss so that a newcomer starts at
 * 50 % and a single proof does not read as perfect.
 */
export function reputation(proofsSubmitted: number | string, proofsMissed: number | string): number {
  const ok = Number(proofsSubmitted);
  const missed = Number(proofsMissed);
  return (ok + 1) / (ok + missed + 2);
}
