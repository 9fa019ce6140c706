/**
 * Starting flows for cost scaling.
 *
 * Warm start: every newcomer sends its unit along its best pair (the first
 * one among equal costs); each sponsor forwards what its sink arc can take
 * and keeps the rest as excess. With p(i) = −c(best arc of i) = w_best·α and
 * every other price 0, each residual arc has reduced cost ≥ 0: newcomer arcs
 * c(a) + p(i) − 0 = (w_best − w_a)·α ≥ 0 (the arc to unmatched: w_best·α ≥ 0),
 * the reverse of the best arc 0, sponsor/unmatched ↔ sink arcs 0. So this
 * pseudoflow is 0-optimal, hence ε-optimal for every ε, and refine may start
 * straight at ε = 1. With loose capacity nearly every unit is already where
 * it belongs and only the over-subscribed sponsors start any work.
 *
 * Zero flow with zero prices is 0-optimal too; it is where ordinary cost
 * scaling restarts when the warm start stalls.
 */
import { sendUnit, type PushRelabel } from './push-relabel.ts';

export function startFromBestPairs(s: PushRelabel): void {
  const { firstArc, residual, reverse, excess, newcomerNodes, unmatched, sink } = s;
  excess[sink] = -newcomerNodes;
  for (let k = 0; k < newcomerNodes; k++) {
    const best = findCheapestPairArc(s, k);
    s.price[k] = -s.cost[best]!;
    sendUnit(s, best);
  }
  for (let v = newcomerNodes; v < unmatched; v++) {
    const toSink = firstArc[v]!;
    const load = s.senderCount[v]!;
    const forwarded = Math.min(load, residual[toSink]!);
    residual[toSink]! -= forwarded;
    residual[reverse[toSink]!]! += forwarded;
    excess[v] = load - forwarded;
    excess[sink] += forwarded;
  }
}

/** The first cheapest of newcomer k's pair arcs (its last arc, to unmatched, is not a pair). */
function findCheapestPairArc({ firstArc, cost }: PushRelabel, k: number): number {
  const end = firstArc[k + 1]! - 1;
  let best = firstArc[k]!;
  let bestCost = cost[best]!;
  for (let a = best + 1; a < end; a++) {
    const c = cost[a]!;
    if (c < bestCost) {
      bestCost = c;
      best = a;
    }
  }
  return best;
}

/** Back to the zero flow with zero prices: every newcomer holds its unit, the sink its full deficit. */
export function resetToZeroFlow(s: PushRelabel): void {
  const { firstArc, residual, reverse, senderArc, senderCount, newcomerNodes, unmatched, sink } = s;
  for (let v = newcomerNodes; v <= unmatched; v++) {
    const toSink = firstArc[v]!;
    for (let slot = toSink + 1, end = toSink + senderCount[v]!; slot <= end; slot++) {
      const back = senderArc[slot]!;
      residual[back] = 0;
      residual[reverse[back]!] = 1;
    }
    senderCount[v] = 0;
    const fromSink = reverse[toSink]!;
    residual[toSink]! += residual[fromSink]!;
    residual[fromSink] = 0;
  }
  s.excess.fill(0);
  s.excess.fill(1, 0, newcomerNodes);
  s.excess[sink] = -newcomerNodes;
  s.price.fill(0);
  s.isQueued.fill(0);
}
