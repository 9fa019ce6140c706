/**
 * The shortcut that settles most loose pools without a flow network.
 *
 * No assignment can give newcomer i more than its best score b_i, so Σ b_i
 * (over newcomers with a pair) bounds every objective. When every newcomer's
 * best pair fits within the capacities at once, that assignment attains the
 * bound — `score` mode is solved — and it matches every newcomer that has a
 * pair, the largest cardinality possible, so it is also the best-scoring
 * maximum-cardinality assignment — `participation` mode is solved too. (In
 * score mode zero-score pairs were dropped before, so this matches exactly
 * the newcomers the full solver could match.)
 */
import type { PairRows } from './pair-rows.ts';

/**
 * Gives every newcomer its best pair (the lowest sponsor among equal best
 * scores, as the rows are sorted by sponsor) and returns true when that
 * respects every capacity; otherwise leaves sponsorOf untouched and returns false.
 */
export function assignBestPairsIfTheyFit(rows: PairRows, capacities: Float64Array, sponsorOf: Int32Array): boolean {
  const { newcomers, rowStart } = rows;
  const load = new Int32Array(capacities.length);
  const best = new Int32Array(newcomers);
  for (let i = 0; i < newcomers; i++) {
    const start = rowStart[i]!;
    const end = rowStart[i + 1]!;
    if (start === end) {
      best[i] = -1;
      continue;
    }
    const j = rows.sponsor[findBestPair(rows.score, start, end)]!;
    best[i] = j;
    if (++load[j]! > capacities[j]!) return false;
  }
  sponsorOf.set(best);
  return true;
}

/** Index of the first highest score in [start, end), which is non-empty. */
function findBestPair(score: Float64Array, start: number, end: number): number {
  let best = start;
  let bestScore = score[start]!;
  for (let e = start + 1; e < end; e++) {
    const w = score[e]!;
    if (w > bestScore) {
      bestScore = w;
      best = e;
    }
  }
  return best;
}
