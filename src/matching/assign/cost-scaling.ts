/**
 * Min-cost flow by cost scaling on the network of flow-network.ts.
 *
 * Why it is exact: costs are the integer weights times α = N + 1 (N = node
 * count) and ε ends at 1. A 1-optimal flow for the scaled costs is
 * (1/(N+1))-optimal for the integer costs, so every residual cycle (≤ N arcs)
 * has cost > −1, hence ≥ 0: the flow is optimal. All arithmetic is on
 * integers below 2^53, so it is exact in doubles; the weights are checked up
 * front against a budget that keeps every price below 2^52, and every relabel
 * checks again (false is returned, and the caller falls back to BigInt).
 *
 * Schedule: the warm start (warm-start.ts) is 0-optimal, so the first refine
 * runs at ε = 1 directly. When it stalls (tight pools: price wars over the
 * last places) the flow is reset to zero and ordinary cost scaling runs from
 * ε = C·α/64 down by a factor EPS_FACTOR per refine. Either way the last refine
 * is at ε = 1, so the result is optimal; the schedule is only a tuning choice.
 */
import type { AssignMode } from './types.ts';
import { buildFlowNetwork, numberNodes } from './flow-network.ts';
import { maxCardinality } from './max-cardinality.ts';
import type { PairRows } from './pair-rows.ts';
import { createPushRelabel, PRICE_LIMIT, type PushRelabel } from './push-relabel.ts';
import { refine, tightenToEps } from './refine.ts';
import { resetToZeroFlow, startFromBestPairs } from './warm-start.ts';

/** Scale factor for ε between refinements. */
const EPS_FACTOR = 8;

/**
 * Writes the optimal assignment into sponsorOf. Returns false when the weights
 * do not fit the exact-arithmetic budget (sponsorOf is then untouched).
 */
export function solveCostScaling(rows: PairRows, capacities: Float64Array, weights: Float64Array, mode: AssignMode, sponsorOf: Int32Array): boolean {
  const nodes = numberNodes(rows, capacities.length);
  const newcomerNodes = nodes.newcomerOfNode.length;
  const nodeCount = newcomerNodes + nodes.sponsorOfNode.length + 2;
  let maxWeight = 0;
  for (let e = 0; e < rows.count; e++) if (weights[e]! > maxWeight) maxWeight = weights[e]!;
  const costScale = nodeCount + 1;
  // Total price drift ≤ ~ (factor + 2)·N·ε summed over phases ≤ 2·(factor + 2)·N·C·α.
  if (maxWeight * costScale * nodeCount * 2 * (EPS_FACTOR + 2) >= PRICE_LIMIT) return false;
  // Participation: exactly n − k* newcomers may stay unmatched, so every
  // optimal flow matches k* and maximises the score among those assignments.
  const unmatchedCapacity = mode === 'participation' ? newcomerNodes - maxCardinality(rows.newcomers, capacities.length, capacities, rows.rowStart, rows.sponsor) : newcomerNodes;
  const s = createPushRelabel(buildFlowNetwork(rows, nodes, capacities, weights, costScale, unmatchedCapacity));

  startFromBestPairs(s);
  const warm = refine(s, 1, { nextCheck: newcomerNodes + 64, lastRemaining: -1 });
  if (warm === 'out-of-range') return false;
  if (warm === 'stalled') {
    resetToZeroFlow(s);
    let eps = Math.max(1, Math.floor((maxWeight * costScale) / (EPS_FACTOR * EPS_FACTOR)));
    for (;;) {
      tightenToEps(s, eps);
      if (refine(s, eps, null) === 'out-of-range') return false;
      if (eps === 1) break;
      eps = Math.max(1, Math.floor(eps / EPS_FACTOR));
    }
  }
  readAssignment(s, sponsorOf);
  return true;
}

/** Each newcomer node's saturated arc: to a sponsor (matched) or to unmatched. */
function readAssignment(s: PushRelabel, sponsorOf: Int32Array): void {
  const { firstArc, residual, head, newcomerNodes, unmatched } = s;
  for (let k = 0; k < newcomerNodes; k++) {
    for (let a = firstArc[k]!, end = firstArc[k + 1]!; a < end; a++) {
      if (residual[a] === 0 && head[a]! < unmatched) {
        sponsorOf[s.newcomerOfNode[k]!] = s.sponsorOfNode[head[a]! - newcomerNodes]!;
        break;
      }
    }
  }
}
