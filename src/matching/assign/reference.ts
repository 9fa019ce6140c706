/**
 * Exact reference solver: successive shortest paths (Dijkstra with Johnson
 * potentials) in BigInt arithmetic on the exact dyadic values of the scores.
 * It is used when the integer weights do not fit the cost-scaling budget
 * (e.g. arbitrary doubles with 50 significant bits on a large pool) and, as
 * `exact-bigint`, to cross-check cost scaling; so it shares no solving code
 * with it. Exact but slow: O(k · E log V) BigInt operations.
 *
 * Each round augments along a shortest path from a free newcomer to the sink
 * with arc cost Wmax − W (non-negative), which adds one matched newcomer at
 * the least score loss; rounds stop when no path is left (participation: the
 * maximum cardinality with the best score), or in score mode as soon as a
 * path would no longer add a positive score.
 */
import type { AssignMode } from './types.ts';
import { clearHeap, createHeap, popHeap, pushHeap, type BigIntHeap } from './bigint-heap.ts';
import { decompose } from './exact-scale.ts';
import { clampToDegree, indexBySponsor, type PairRows, type SponsorColumns } from './pair-rows.ts';

interface ShortestPaths {
  rows: PairRows;
  columns: SponsorColumns;
  usable: Int32Array;
  /** Nodes: newcomers [0, n), sponsors [n, n + m), then the sink. */
  sink: number;
  /** Non-negative cost Wmax − W of each pair. */
  pairCost: bigint[];
  potential: bigint[];
  distance: Array<bigint | null>;
  isSettled: Uint8Array;
  /** The pair that entered each sponsor node; for the sink, the sponsor index. */
  parent: Int32Array;
  matchedPair: Int32Array;
  load: Int32Array;
  /** Nodes whose distance was set this round (cleared before the next). */
  touched: number[];
  heap: BigIntHeap;
}

export function solveExactBigInt(rows: PairRows, capacities: Float64Array, mode: AssignMode, sponsorOf: Int32Array): void {
  const { weight, maxWeight } = exactIntegerWeights(rows);
  const n = rows.newcomers;
  const sponsors = capacities.length;
  const columns = indexBySponsor(rows, sponsors);
  const sink = n + sponsors;
  const state: ShortestPaths = {
    rows,
    columns,
    usable: clampToDegree(capacities, columns),
    sink,
    pairCost: weight.map((w) => maxWeight - w),
    potential: new Array<bigint>(sink + 1).fill(0n),
    distance: new Array<bigint | null>(sink + 1).fill(null),
    isSettled: new Uint8Array(sink + 1),
    parent: new Int32Array(sink + 1),
    matchedPair: new Int32Array(n).fill(-1),
    load: new Int32Array(sponsors),
    touched: [],
    heap: createHeap(),
  };
  for (;;) {
    const toSink = shortestPathToSink(state);
    if (toSink === null) break;
    if (mode === 'score' && maxWeight - (toSink + state.potential[sink]!) <= 0n) break;
    augment(state);
    updatePotentials(state, toSink);
  }
  for (let i = 0; i < n; i++) {
    const e = state.matchedPair[i]!;
    if (e >= 0) sponsorOf[i] = rows.sponsor[e]!;
  }
}

/** w = mant·2^exp becomes W = mant·2^(exp − minExp): integers, in the same ratios. */
function exactIntegerWeights(rows: PairRows): { weight: bigint[]; maxWeight: bigint } {
  const parts = Array.from(rows.score.subarray(0, rows.count), (x) => (x === 0 ? null : decompose(x)));
  let minExp = 0;
  for (const p of parts) if (p !== null && p.exp < minExp) minExp = p.exp;
  let maxWeight = 0n;
  const weight = parts.map((p) => {
    const w = p === null ? 0n : p.mant << BigInt(p.exp - minExp);
    if (w > maxWeight) maxWeight = w;
    return w;
  });
  return { weight, maxWeight };
}

function relax(state: ShortestPaths, v: number, d: bigint): boolean {
  const current = state.distance[v];
  if (current === null || current === undefined) state.touched.push(v);
  else if (current <= d) return false;
  state.distance[v] = d;
  pushHeap(state.heap, d, v);
  return true;
}

/** Dijkstra over reduced costs from every free newcomer; returns the reduced distance to the sink, or null. */
function shortestPathToSink(state: ShortestPaths): bigint | null {
  const { rows, distance, isSettled, heap, sink } = state;
  for (const v of state.touched) {
    distance[v] = null;
    isSettled[v] = 0;
  }
  state.touched.length = 0;
  clearHeap(heap);
  for (let i = 0; i < rows.newcomers; i++) {
    if (state.matchedPair[i] === -1 && rows.rowStart[i + 1]! > rows.rowStart[i]!) relax(state, i, -state.potential[i]!);
  }
  while (heap.keys.length > 0) {
    const key = heap.keys[0]!;
    const v = popHeap(heap);
    if (isSettled[v] || distance[v] !== key) continue;
    isSettled[v] = 1;
    if (v === sink) return key;
    if (v < rows.newcomers) scanNewcomer(state, v, key);
    else scanSponsor(state, v, key);
  }
  return null;
}

/** Forward over the unused pairs of newcomer i. */
function scanNewcomer(state: ShortestPaths, i: number, key: bigint): void {
  const { rows, potential, isSettled } = state;
  const base = key + potential[i]!;
  const matched = state.matchedPair[i]!;
  for (let e = rows.rowStart[i]!, end = rows.rowStart[i + 1]!; e < end; e++) {
    if (e === matched) continue;
    const node = rows.newcomers + rows.sponsor[e]!;
    if (isSettled[node]) continue;
    if (relax(state, node, base + state.pairCost[e]! - potential[node]!)) state.parent[node] = e;
  }
}

/** To the sink if sponsor node v has a free place; back over the pairs it currently holds. */
function scanSponsor(state: ShortestPaths, v: number, key: bigint): void {
  const { rows, columns, potential, isSettled, sink } = state;
  const j = v - rows.newcomers;
  const base = key + potential[v]!;
  if (state.load[j]! < state.usable[j]! && !isSettled[sink]) {
    if (relax(state, sink, base - potential[sink]!)) state.parent[sink] = j;
  }
  for (let r = columns.start[j]!, end = columns.start[j + 1]!; r < end; r++) {
    const i = columns.newcomer[r]!;
    const e = state.matchedPair[i]!;
    if (e < 0 || rows.sponsor[e] !== j || isSettled[i]) continue;
    relax(state, i, base - state.pairCost[e]! - potential[i]!);
  }
}

/** Shifts every newcomer on the path found to its new sponsor; the last sponsor gains a place taken. */
function augment(state: ShortestPaths): void {
  const { rows, parent, matchedPair } = state;
  let j = parent[state.sink]!;
  state.load[j]!++;
  for (;;) {
    const e = parent[rows.newcomers + j]!;
    const i = findRowOfPair(rows, e);
    const previous = matchedPair[i]!;
    matchedPair[i] = e;
    if (previous === -1) break;
    j = rows.sponsor[previous]!;
  }
}

/** Johnson: adding min(distance, distance to sink) keeps every reduced cost non-negative. */
function updatePotentials(state: ShortestPaths, toSink: bigint): void {
  const { potential, distance, isSettled } = state;
  for (let v = 0; v < potential.length; v++) {
    const d = distance[v];
    potential[v] = potential[v]! + (d !== null && d !== undefined && isSettled[v] && d < toSink ? d : toSink);
  }
}

/** The newcomer whose row holds pair e (a binary search of rowStart). */
function findRowOfPair(rows: PairRows, e: number): number {
  let lo = 0;
  let hi = rows.newcomers - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows.rowStart[mid]! <= e) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
