/**
 * The eligible pairs in one canonical form: rows by newcomer, each row sorted
 * by sponsor, a pair listed twice merged into its best score, pairs with a
 * capacity-0 sponsor dropped. The solvers break ties by position in these
 * rows, so making them canonical is what makes the output depend only on the
 * set of merged pairs, never on the order the caller listed its edges in.
 */
import type { ValidEdges } from './validate.ts';

export interface PairRows {
  newcomers: number;
  /** Number of pairs; also rowStart[newcomers]. */
  count: number;
  /** The pairs of newcomer i are [rowStart[i], rowStart[i + 1]). */
  rowStart: Int32Array;
  sponsor: Int32Array;
  score: Float64Array;
}

/** The newcomers of each sponsor's pairs: those of sponsor j are newcomer[start[j] .. start[j + 1]), in order. */
export interface SponsorColumns {
  start: Int32Array;
  newcomer: Int32Array;
}

/** Two stable counting sorts (by sponsor, then by newcomer) give the (newcomer, sponsor) order in O(E). */
export function buildPairRows(edges: ValidEdges): PairRows {
  const { newcomer, sponsor, perNewcomer, perSponsor } = edges;
  const count = newcomer.length;
  accumulate(perSponsor);
  const bySponsor = new Int32Array(count);
  for (let k = 0; k < count; k++) bySponsor[perSponsor[sponsor[k]!]!++] = k;
  accumulate(perNewcomer);
  const order = new Int32Array(count);
  for (let q = 0; q < count; q++) {
    const k = bySponsor[q]!;
    order[perNewcomer[newcomer[k]!]!++] = k;
  }
  // Each placement moved perNewcomer[i] from the start to the end of row i.
  return mergeDuplicates(edges, order, perNewcomer);
}

/** Counts per bucket b, kept at [b + 1], become bucket starts (in place). */
export function accumulate(counts: Int32Array): void {
  let sum = 0;
  for (let b = 0; b < counts.length; b++) {
    sum += counts[b]!;
    counts[b] = sum;
  }
}

function mergeDuplicates(edges: ValidEdges, order: Int32Array, rowEnd: Int32Array): PairRows {
  const { newcomers, capacities, sponsor, score } = edges;
  const rowStart = new Int32Array(newcomers + 1);
  const mergedSponsor = new Int32Array(order.length);
  const mergedScore = new Float64Array(order.length);
  let count = 0;
  let q = 0;
  for (let i = 0; i < newcomers; i++) {
    rowStart[i] = count;
    const end = rowEnd[i]!;
    let lastSponsor = -1;
    for (; q < end; q++) {
      const k = order[q]!;
      const j = sponsor[k]!;
      const w = score[k]!;
      if (capacities[j]! <= 0) continue;
      if (j === lastSponsor) {
        if (w > mergedScore[count - 1]!) mergedScore[count - 1] = w;
        continue;
      }
      lastSponsor = j;
      mergedSponsor[count] = j;
      mergedScore[count] = w;
      count++;
    }
  }
  rowStart[newcomers] = count;
  return { newcomers, count, rowStart, sponsor: mergedSponsor, score: mergedScore };
}

/** In `score` mode a zero-score pair cannot raise the objective, so it is dropped rather than chosen. */
export function dropZeroScores(rows: PairRows): PairRows {
  const { newcomers, rowStart, sponsor, score } = rows;
  let zeros = 0;
  for (let e = 0; e < rows.count; e++) if (score[e] === 0) zeros++;
  if (zeros === 0) return rows;
  const kept: PairRows = {
    newcomers,
    count: rows.count - zeros,
    rowStart: new Int32Array(newcomers + 1),
    sponsor: new Int32Array(rows.count - zeros),
    score: new Float64Array(rows.count - zeros),
  };
  let p = 0;
  let e = 0;
  for (let i = 0; i < newcomers; i++) {
    kept.rowStart[i] = p;
    for (const end = rowStart[i + 1]!; e < end; e++) {
      const w = score[e]!;
      if (w === 0) continue;
      kept.sponsor[p] = sponsor[e]!;
      kept.score[p] = w;
      p++;
    }
  }
  kept.rowStart[newcomers] = p;
  return kept;
}

/** Score of the pair (i, j), which must exist: a binary search of the sorted row. */
export function lookUpScore(rows: PairRows, i: number, j: number): number {
  let lo = rows.rowStart[i]!;
  let hi = rows.rowStart[i + 1]! - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.sponsor[mid]! < j) lo = mid + 1;
    else hi = mid;
  }
  return rows.score[lo]!;
}

export function indexBySponsor(rows: Pick<PairRows, 'newcomers' | 'count' | 'rowStart' | 'sponsor'>, sponsors: number): SponsorColumns {
  const { newcomers, count, rowStart, sponsor } = rows;
  const start = new Int32Array(sponsors + 1);
  for (let e = 0; e < count; e++) start[sponsor[e]! + 1]!++;
  accumulate(start);
  const newcomer = new Int32Array(count);
  const next = start.slice(0, sponsors);
  for (let i = 0; i < newcomers; i++) {
    for (let e = rowStart[i]!, end = rowStart[i + 1]!; e < end; e++) newcomer[next[sponsor[e]!]!++] = i;
  }
  return { start, newcomer };
}

/** A sponsor can never take more newcomers than it has pairs, whatever its capacity. */
export function clampToDegree(capacities: ArrayLike<number>, columns: SponsorColumns): Int32Array {
  const sponsors = columns.start.length - 1;
  const usable = new Int32Array(sponsors);
  for (let j = 0; j < sponsors; j++) usable[j] = Math.min(capacities[j]!, columns.start[j + 1]! - columns.start[j]!);
  return usable;
}
