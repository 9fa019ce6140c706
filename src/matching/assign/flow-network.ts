/**
 * The min-cost flow network the cost-scaling solver works on:
 *
 *   newcomer (supply 1) → sponsor  capacity 1 per pair, cost −w·α
 *   newcomer → unmatched           capacity 1, cost 0
 *   sponsor → sink                 capacity min(c_j, pairs of j), cost 0
 *   unmatched → sink               capacity n (score mode) or n − k* (participation),
 *                                  n counting only the newcomers that have a pair
 *
 * Only newcomers and sponsors with at least one pair get a node: newcomers
 * are nodes [0, newcomerNodes), sponsors [newcomerNodes, unmatched), then the
 * unmatched node and the sink. α = N + 1 (N = node count) is the cost scale
 * that makes ε = 1 optimal (see cost-scaling.ts).
 *
 * Arc layout, chosen so that the build writes sequentially: node v owns the
 * arc ids [firstArc[v], firstArc[v + 1]). A newcomer's block holds its pair
 * arcs in row order, then its arc to `unmatched`; the reverse of newcomer
 * arc a is arc reverseBase + a, outside every block. A sponsor's (and the
 * unmatched node's) block starts with its arc to the sink; the rest of the
 * block is only room for its sender list (push-relabel.ts) and is never
 * scanned as arcs. The sink's block holds the reverses of the arcs into it.
 */
import { accumulate, type PairRows } from './pair-rows.ts';

export interface FlowNodes {
  newcomerOfNode: Int32Array;
  sponsorOfNode: Int32Array;
  /** Node of sponsor j, or -1 when j has no pair. */
  nodeOfSponsor: Int32Array;
  /** Pairs per sponsor index. */
  sponsorDegree: Int32Array;
}

export interface FlowNetwork {
  newcomerNodes: number;
  unmatched: number;
  sink: number;
  nodeCount: number;
  /** Arc ids below this belong to node blocks; the reverses of newcomer arcs start here. */
  reverseBase: number;
  firstArc: Int32Array;
  head: Int32Array;
  reverse: Int32Array;
  residual: Int32Array;
  cost: Float64Array;
  newcomerOfNode: Int32Array;
  sponsorOfNode: Int32Array;
}

export function numberNodes(rows: PairRows, sponsors: number): FlowNodes {
  const { newcomers, count, rowStart, sponsor } = rows;
  const sponsorDegree = new Int32Array(sponsors);
  for (let e = 0; e < count; e++) sponsorDegree[sponsor[e]!]!++;
  let newcomerNodes = 0;
  for (let i = 0; i < newcomers; i++) if (rowStart[i + 1]! > rowStart[i]!) newcomerNodes++;
  const newcomerOfNode = new Int32Array(newcomerNodes);
  for (let i = 0, k = 0; i < newcomers; i++) if (rowStart[i + 1]! > rowStart[i]!) newcomerOfNode[k++] = i;
  let sponsorNodes = 0;
  for (let j = 0; j < sponsors; j++) if (sponsorDegree[j]! > 0) sponsorNodes++;
  const sponsorOfNode = new Int32Array(sponsorNodes);
  const nodeOfSponsor = new Int32Array(sponsors).fill(-1);
  for (let j = 0, q = 0; j < sponsors; j++) {
    if (sponsorDegree[j]! > 0) {
      nodeOfSponsor[j] = newcomerNodes + q;
      sponsorOfNode[q++] = j;
    }
  }
  return { newcomerOfNode, sponsorOfNode, nodeOfSponsor, sponsorDegree };
}

export function buildFlowNetwork(
  rows: PairRows,
  nodes: FlowNodes,
  capacities: Float64Array,
  weights: Float64Array,
  costScale: number,
  unmatchedCapacity: number,
): FlowNetwork {
  const newcomerNodes = nodes.newcomerOfNode.length;
  const unmatched = newcomerNodes + nodes.sponsorOfNode.length;
  const sink = unmatched + 1;
  const firstArc = sizeArcBlocks(rows, nodes);
  const reverseBase = firstArc[sink + 1]!;
  const arcCount = reverseBase + firstArc[newcomerNodes]!;
  const net: FlowNetwork = {
    newcomerNodes,
    unmatched,
    sink,
    nodeCount: sink + 1,
    reverseBase,
    firstArc,
    head: new Int32Array(arcCount),
    reverse: new Int32Array(arcCount),
    residual: new Int32Array(arcCount),
    cost: new Float64Array(arcCount),
    newcomerOfNode: nodes.newcomerOfNode,
    sponsorOfNode: nodes.sponsorOfNode,
  };
  addSinkArcs(net, nodes, capacities, unmatchedCapacity);
  addNewcomerArcs(net, rows, nodes.nodeOfSponsor, weights, costScale);
  return net;
}

/** Block sizes: newcomer pairs + 1 (unmatched), sponsor pairs + 1 (sink), unmatched newcomers + 1, sink sponsors + 1. */
function sizeArcBlocks(rows: PairRows, nodes: FlowNodes): Int32Array {
  const { newcomerOfNode, sponsorOfNode, sponsorDegree } = nodes;
  const newcomerNodes = newcomerOfNode.length;
  const sponsorNodes = sponsorOfNode.length;
  const unmatched = newcomerNodes + sponsorNodes;
  const firstArc = new Int32Array(unmatched + 3);
  for (let k = 0; k < newcomerNodes; k++) {
    const i = newcomerOfNode[k]!;
    firstArc[k + 1] = rows.rowStart[i + 1]! - rows.rowStart[i]! + 1;
  }
  for (let q = 0; q < sponsorNodes; q++) firstArc[newcomerNodes + q + 1] = sponsorDegree[sponsorOfNode[q]!]! + 1;
  firstArc[unmatched + 1] = newcomerNodes + 1;
  firstArc[unmatched + 2] = sponsorNodes + 1;
  accumulate(firstArc);
  return firstArc;
}

function linkArcs(net: FlowNetwork, a: number, from: number, to: number, b: number): void {
  net.head[a] = to;
  net.reverse[a] = b;
  net.head[b] = from;
  net.reverse[b] = a;
}

function addSinkArcs(net: FlowNetwork, nodes: FlowNodes, capacities: Float64Array, unmatchedCapacity: number): void {
  const { firstArc, residual, newcomerNodes, unmatched, sink } = net;
  let b = firstArc[sink]!;
  for (let v = newcomerNodes; v < unmatched; v++, b++) {
    const a = firstArc[v]!;
    const j = nodes.sponsorOfNode[v - newcomerNodes]!;
    linkArcs(net, a, v, sink, b);
    residual[a] = Math.min(capacities[j]!, nodes.sponsorDegree[j]!);
  }
  const a = firstArc[unmatched]!;
  linkArcs(net, a, unmatched, sink, b);
  residual[a] = unmatchedCapacity;
}

function addNewcomerArcs(net: FlowNetwork, rows: PairRows, nodeOfSponsor: Int32Array, weights: Float64Array, costScale: number): void {
  const { firstArc, residual, cost, newcomerOfNode, reverseBase } = net;
  for (let k = 0; k < newcomerOfNode.length; k++) {
    const i = newcomerOfNode[k]!;
    let a = firstArc[k]!;
    for (let e = rows.rowStart[i]!, end = rows.rowStart[i + 1]!; e < end; e++, a++) {
      const c = weights[e]! * costScale;
      linkArcs(net, a, k, nodeOfSponsor[rows.sponsor[e]!]!, reverseBase + a);
      residual[a] = 1;
      cost[a] = -c;
      cost[reverseBase + a] = c;
    }
    linkArcs(net, a, k, net.unmatched, reverseBase + a);
    residual[a] = 1;
  }
}
