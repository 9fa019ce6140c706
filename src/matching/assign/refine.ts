/**
 * One refine of cost scaling: from an ε-optimal pseudoflow to an ε-optimal
 * flow (no node but the sink left with excess), by discharging active nodes
 * in FIFO order. And the step before each refine after the first, which makes
 * the current flow ε-optimal for the new, smaller ε while keeping as much of
 * it as possible (any ε-optimal pseudoflow is a valid start for refine).
 */
import {
  arcValue,
  dequeue,
  dischargeListNode,
  dischargeNewcomer,
  dischargeSink,
  enqueueActiveNodes,
  isQueueEmpty,
  removeSender,
  type PushRelabel,
} from './push-relabel.ts';

export type RefineOutcome = 'done' | 'stalled' | 'out-of-range';

/**
 * Progress watch for the warm-started refine at ε = 1. In tight pools the last
 * units turn into long price wars; after each window of newcomerNodes + 64
 * relabels the remaining excess (−excess(sink): in this first refine no node
 * but the sink has a deficit) must have dropped by ≥ 1/4 since the previous
 * check (the first window, which includes the start-up, is not judged). This
 * bounds the attempt at O(newcomerNodes · log(excess)) relabels.
 */
export interface StallWatch {
  nextCheck: number;
  lastRemaining: number;
}

export function refine(s: PushRelabel, eps: number, watch: StallWatch | null): RefineOutcome {
  enqueueActiveNodes(s);
  while (!isQueueEmpty(s)) {
    if (watch !== null && s.relabels >= watch.nextCheck && isStalled(s, watch)) return 'stalled';
    const v = dequeue(s);
    const isInRange =
      v < s.newcomerNodes ? dischargeNewcomer(s, v, eps)
      : v <= s.unmatched ? dischargeListNode(s, v, eps)
      : dischargeSink(s, eps);
    if (!isInRange) return 'out-of-range';
  }
  return 'done';
}

function isStalled(s: PushRelabel, watch: StallWatch): boolean {
  const remaining = -s.excess[s.sink]!;
  if (watch.lastRemaining >= 0 && remaining * 4 > watch.lastRemaining * 3) return true;
  watch.lastRemaining = remaining;
  watch.nextCheck = s.relabels + s.newcomerNodes + 64;
  return false;
}

export function tightenToEps(s: PushRelabel, eps: number): void {
  clampSinkArcPrices(s, eps);
  for (let v = 0; v < s.newcomerNodes; v++) tightenNewcomer(s, v, eps);
}

/**
 * A sponsor's (or unmatched node's) sink arc needs p(v) ≥ p(sink) − ε while it
 * has residual capacity and p(v) ≤ p(sink) + ε while it carries flow; p(v) is
 * clamped into that range, which is never empty.
 */
function clampSinkArcPrices(s: PushRelabel, eps: number): void {
  const { price, residual } = s;
  const sinkPrice = price[s.sink]!;
  for (let v = s.newcomerNodes; v <= s.unmatched; v++) {
    const toSink = s.firstArc[v]!;
    let p = price[v]!;
    if (residual[toSink]! > 0 && p < sinkPrice - eps) p = sinkPrice - eps;
    if (residual[s.reverse[toSink]!]! > 0 && p > sinkPrice + eps) p = sinkPrice + eps;
    price[v] = p;
  }
}

/**
 * Newcomer v keeps its assigned arc a0 if some price satisfies both
 * p(v) ≥ M − ε (M = best value over its residual arcs) and p(v) ≤ value(a0) + ε
 * (the reverse of a0); otherwise its unit comes back to v, priced at the
 * better of the two values − ε.
 */
function tightenNewcomer(s: PushRelabel, v: number, eps: number): void {
  const { price, residual } = s;
  let best = -Infinity;
  let assigned = -1;
  let assignedValue = 0;
  for (let a = s.firstArc[v]!, end = s.firstArc[v + 1]!; a < end; a++) {
    const value = arcValue(s, a);
    if (residual[a]! > 0) {
      if (value > best) best = value;
    } else {
      assigned = a;
      assignedValue = value;
    }
  }
  const lowest = best - eps;
  if (assigned < 0) {
    if (price[v]! < lowest) price[v] = lowest;
  } else if (lowest <= assignedValue + eps) {
    let p = price[v]!;
    if (p < lowest) p = lowest;
    if (p > assignedValue + eps) p = assignedValue + eps;
    price[v] = p;
  } else {
    releaseUnit(s, v, assigned, eps);
    price[v] = (best > assignedValue ? best : assignedValue) - eps;
  }
}

/**
 * Takes newcomer v's unit back from arc a. The sponsor w it left: if w's sink
 * arc may carry less flow (p(w) ≥ p(sink) − ε), the unit comes off that arc too
 * and the sink takes the deficit (so the sink never has to push flow back);
 * otherwise w keeps a deficit (a free place that is in demand).
 */
function releaseUnit(s: PushRelabel, v: number, a: number, eps: number): void {
  const { residual, excess } = s;
  const w = s.head[a]!;
  const back = s.reverse[a]!;
  residual[a] = 1;
  residual[back] = 0;
  removeSender(s, w, s.senderSlot[back]!);
  excess[v] = 1;
  const toSink = s.firstArc[w]!;
  if (s.price[w]! >= s.price[s.sink]! - eps) {
    residual[toSink]!++;
    residual[s.reverse[toSink]!]!--;
    excess[s.sink]!--;
  } else {
    excess[w]!--;
  }
}
