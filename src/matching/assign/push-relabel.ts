/**
 * The push and relabel steps of cost-scaling push–relabel (Goldberg–Tarjan),
 * on the network of flow-network.ts, with FIFO selection of active nodes.
 *
 * Invariant (ε-optimality): every arc with residual capacity has reduced cost
 * c(a) + p(tail) − p(head) ≥ −ε. A push uses only admissible arcs (reduced
 * cost < 0); a relabel lowers p(v) (prices never increase) to the highest
 * value that keeps every residual arc out of v at ≥ −ε, so the invariant holds
 * throughout. All costs and prices are integers below 2^52 (checked on every
 * relabel), so the arithmetic is exact in doubles.
 *
 * Newcomers (excess at most 1) and sponsors holding a single unit use
 * Goldberg–Kennedy's "double push": relabel to second-best value − ε and push
 * along the best arc in the same step, which is then admissible.
 *
 * A sponsor (or the unmatched node) has many in-arcs but only one residual
 * reverse arc per newcomer currently sending it flow. Those arcs are kept in
 * its sender list, so discharging or relabelling it costs O(load), not
 * O(degree). The list of v lives in senderArc[firstArc[v] + 1 ..
 * firstArc[v] + senderCount[v]] (the room its arc block leaves after its
 * arc to the sink), and senderSlot[b] is where arc b sits in it.
 */
import type { FlowNetwork } from './flow-network.ts';

/** Prices must stay above −PRICE_LIMIT; 2^52 leaves one bit of headroom below 2^53. */
export const PRICE_LIMIT = 2 ** 52;

export interface PushRelabel extends FlowNetwork {
  excess: Int32Array;
  price: Float64Array;
  senderArc: Int32Array;
  senderSlot: Int32Array;
  senderCount: Int32Array;
  /** FIFO of active nodes (positive excess), each at most once; circular with one slot spare, so head === tail means empty. */
  activeQueue: Int32Array;
  isQueued: Uint8Array;
  queueHead: number;
  queueTail: number;
  /** The sink scans its arcs with a current-arc pointer (no other node has to). */
  sinkArc: number;
  relabels: number;
}

export function createPushRelabel(net: FlowNetwork): PushRelabel {
  const { nodeCount } = net;
  // Every field spelled out (no spread): one object shape with in-object fields for the hot loops.
  return {
    newcomerNodes: net.newcomerNodes,
    unmatched: net.unmatched,
    sink: net.sink,
    nodeCount,
    reverseBase: net.reverseBase,
    firstArc: net.firstArc,
    head: net.head,
    reverse: net.reverse,
    residual: net.residual,
    cost: net.cost,
    newcomerOfNode: net.newcomerOfNode,
    sponsorOfNode: net.sponsorOfNode,
    excess: new Int32Array(nodeCount),
    price: new Float64Array(nodeCount),
    senderArc: new Int32Array(net.reverseBase),
    senderSlot: new Int32Array(net.head.length),
    senderCount: new Int32Array(nodeCount),
    activeQueue: new Int32Array(nodeCount + 1),
    isQueued: new Uint8Array(nodeCount),
    queueHead: 0,
    queueTail: 0,
    sinkArc: 0,
    relabels: 0,
  };
}

function enqueue(s: PushRelabel, v: number): void {
  s.isQueued[v] = 1;
  s.activeQueue[s.queueTail] = v;
  const next = s.queueTail + 1;
  s.queueTail = next === s.activeQueue.length ? 0 : next;
}

export function isQueueEmpty(s: PushRelabel): boolean {
  return s.queueHead === s.queueTail;
}

export function dequeue(s: PushRelabel): number {
  const v = s.activeQueue[s.queueHead]!;
  const next = s.queueHead + 1;
  s.queueHead = next === s.activeQueue.length ? 0 : next;
  s.isQueued[v] = 0;
  return v;
}

/** Start of a refine: every node with excess is active, in node order. */
export function enqueueActiveNodes(s: PushRelabel): void {
  s.queueHead = 0;
  s.queueTail = 0;
  s.sinkArc = s.firstArc[s.sink]!;
  for (let v = 0; v < s.nodeCount; v++) if (s.excess[v]! > 0) enqueue(s, v);
}

function addExcess(s: PushRelabel, v: number, amount: number): void {
  const excess = s.excess[v]! + amount;
  s.excess[v] = excess;
  if (excess > 0 && s.isQueued[v] === 0) enqueue(s, v);
}

function addSender(s: PushRelabel, v: number, arc: number): void {
  const slot = s.firstArc[v]! + 1 + s.senderCount[v]!;
  s.senderArc[slot] = arc;
  s.senderSlot[arc] = slot;
  s.senderCount[v]!++;
}

/** Removes the sender at `slot` of v's list by moving the last one into its place. */
export function removeSender(s: PushRelabel, v: number, slot: number): void {
  const moved = s.senderArc[s.firstArc[v]! + s.senderCount[v]!]!;
  s.senderArc[slot] = moved;
  s.senderSlot[moved] = slot;
  s.senderCount[v]!--;
}

/** p(head(a)) − c(a): what the tail of a can be priced at while a stays just admissible (up to ε). */
export function arcValue(s: PushRelabel, a: number): number {
  return s.price[s.head[a]!]! - s.cost[a]!;
}

/** Saturates newcomer arc a (capacity 1); the sponsor or unmatched node at its head gains a sender. */
export function sendUnit(s: PushRelabel, a: number): number {
  const to = s.head[a]!;
  const back = s.reverse[a]!;
  s.residual[a] = 0;
  s.residual[back] = 1;
  addSender(s, to, back);
  return to;
}

/** Moves `amount` units along arc a of capacity > 1 (a sink arc or its reverse). */
function pushAlong(s: PushRelabel, a: number, amount: number): void {
  s.residual[a]! -= amount;
  s.residual[s.reverse[a]!]! += amount;
  addExcess(s, s.head[a]!, amount);
}

/** Sends the unit of the sender at `slot` of v's list back to its newcomer. */
function returnUnit(s: PushRelabel, v: number, slot: number): void {
  const back = s.senderArc[slot]!;
  s.residual[back] = 0;
  s.residual[s.reverse[back]!] = 1;
  removeSender(s, v, slot);
  addExcess(s, s.head[back]!, 1);
}

/**
 * Double push from newcomer v (whose excess is exactly 1: supply 1, outflow
 * ≥ 0). Returns false when the new price would leave the exact range.
 */
export function dischargeNewcomer(s: PushRelabel, v: number, eps: number): boolean {
  const { residual, firstArc, price, head, cost } = s;
  let best = -Infinity;
  let second = -Infinity;
  let bestArc = -1;
  for (let a = firstArc[v]!, end = firstArc[v + 1]!; a < end; a++) {
    if (residual[a]! > 0) {
      const value = price[head[a]!]! - cost[a]!;
      if (value > best) {
        second = best;
        best = value;
        bestArc = a;
      } else if (value > second) {
        second = value;
      }
    }
  }
  let newPrice = (second === -Infinity ? best : second) - eps;
  if (newPrice > price[v]!) newPrice = price[v]!; // cannot happen; prices never increase
  if (!(newPrice > -PRICE_LIMIT)) return false;
  price[v] = newPrice;
  s.relabels++;
  const to = sendUnit(s, bestArc);
  s.excess[v] = 0;
  addExcess(s, to, 1);
  return true;
}

const NO_DOUBLE_PUSH = -1;
const OUT_OF_RANGE = -2;

/**
 * Discharges sponsor (or unmatched) node v: pushes to the sink and back to
 * senders while admissible, relabelling in between. Returns false when a price
 * would leave the exact range.
 */
export function dischargeListNode(s: PushRelabel, v: number, eps: number): boolean {
  const { residual, price, sink } = s;
  const toSink = s.firstArc[v]!;
  let left = s.excess[v]!;
  while (left > 0) {
    const residualToSink = residual[toSink]!;
    if (residualToSink > 0 && price[v]! - price[sink]! < 0) {
      const amount = Math.min(residualToSink, left);
      pushAlong(s, toSink, amount);
      left -= amount;
      if (left === 0) break;
    }
    left = returnAdmissibleUnits(s, v, left);
    if (left === 0) break;
    const slot = relabelListNode(s, v, left, eps);
    if (slot === OUT_OF_RANGE) return false;
    if (slot !== NO_DOUBLE_PUSH) {
      if (slot === toSink) pushAlong(s, toSink, 1);
      else returnUnit(s, v, slot);
      left = 0;
    }
  }
  s.excess[v] = left;
  return true;
}

/** Returns units to senders whose reverse arc is admissible, last sender first; returns the excess left. */
function returnAdmissibleUnits(s: PushRelabel, v: number, left: number): number {
  const { senderArc, cost, price, head } = s;
  const start = s.firstArc[v]!;
  const priceOfV = price[v]!;
  for (let slot = start + s.senderCount[v]!; slot > start && left > 0; slot--) {
    const back = senderArc[slot]!;
    if (cost[back]! + priceOfV - price[head[back]!]! < 0) {
      returnUnit(s, v, slot);
      left--;
    }
  }
  return left;
}

/**
 * Relabels list node v. With one unit left this is a double push: the price
 * goes to second-best value − ε and the slot of the best arc is returned (the
 * sink arc is slot firstArc[v] and counts twice when it can take ≥ 2 units);
 * pushing only along that one arc keeps every other residual arc ≥ −ε.
 * Otherwise the price goes to best − ε and NO_DOUBLE_PUSH is returned.
 */
function relabelListNode(s: PushRelabel, v: number, left: number, eps: number): number {
  const { senderArc, price, head, cost } = s;
  const start = s.firstArc[v]!;
  const residualToSink = s.residual[start]!;
  let best = residualToSink > 0 ? price[s.sink]! : -Infinity;
  let bestSlot = start;
  let second = residualToSink > 1 ? best : -Infinity;
  for (let slot = start + 1, end = start + s.senderCount[v]!; slot <= end; slot++) {
    const back = senderArc[slot]!;
    const value = price[head[back]!]! - cost[back]!;
    if (value > best) {
      second = best;
      best = value;
      bestSlot = slot;
    } else if (value > second) {
      second = value;
    }
  }
  const isDoublePush = left === 1 && second !== -Infinity;
  let newPrice = (isDoublePush ? second : best) - eps;
  if (newPrice > price[v]!) newPrice = price[v]!;
  if (!(newPrice > -PRICE_LIMIT)) return OUT_OF_RANGE;
  price[v] = newPrice;
  s.relabels++;
  return isDoublePush ? bestSlot : NO_DOUBLE_PUSH;
}

/** Discharges the sink (it gains excess only after ε-tightening took units off sink arcs). */
export function dischargeSink(s: PushRelabel, eps: number): boolean {
  const { sink, firstArc, residual } = s;
  const start = firstArc[sink]!;
  const end = firstArc[sink + 1]!;
  let left = s.excess[sink]!;
  let a = s.sinkArc;
  while (left > 0) {
    const price = s.price[sink]!;
    for (; a < end; a++) {
      const r = residual[a]!;
      if (r !== 0 && s.cost[a]! + price - s.price[s.head[a]!]! < 0) {
        const amount = Math.min(r, left);
        pushAlong(s, a, amount);
        left -= amount;
        if (left === 0) break;
      }
    }
    if (left === 0) break;
    let best = -Infinity;
    for (let b = start; b < end; b++) {
      if (residual[b]! > 0) {
        const value = arcValue(s, b);
        if (value > best) best = value;
      }
    }
    const newPrice = best - eps;
    if (!(newPrice > -PRICE_LIMIT)) return false;
    s.price[sink] = newPrice;
    s.relabels++;
    a = start;
  }
  s.excess[sink] = left;
  s.sinkArc = a;
  return true;
}
