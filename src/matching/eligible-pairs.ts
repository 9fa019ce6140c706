// Every eligible (newcomer, sponsor) pair of a pool run, with its score: the input
// of the assignment. A run ranks thousands of newcomers, seconds of work, so it
// runs in slices that give the event loop back every SLICE_MS: proposals and
// health checks keep being answered during a run.
//
// Yielding lets sponsor changes land between slices, so the ranking must not read
// the live index: it reads a snapshot (CandidateIndex.snapshot, copy on write), and
// the program rules and weights as they were at the start, so that every pair of a
// run is judged on one state, as when the whole ranking ran without a pause. We
// chose the snapshot over re-checking the pairs of sponsors that changed during the
// run: re-checking would have to patch the exclusion counts and redo the ranking
// on a rules change, while a snapshot costs nothing unless a change arrives during
// the run, and then one copy of the columns. A change made during a run shows in
// the next run, as one made just after it would.

import type { CandidateIndex } from './candidate-index.ts';
import { inSlices } from '../lib/slices.ts';
import { explain, rank } from './rank.ts';
import type { Explanation, MatchingContext, NewcomerProfile, RuleName } from './types.ts';

export { SLICE_MS } from '../lib/slices.ts';

/**
 * Eligible pairs as three columns (newcomer position, sponsor position, score):
 * half a million pairs as tuples cost tens of megabytes of small arrays, a long
 * copy into the solver's columns and a long garbage collection after.
 */
export interface EdgeColumns {
  length: number;
  newcomer: Int32Array;
  sponsor: Int32Array;
  score: Float64Array;
}

/** Columns that grow by doubling; `columns()` gives views of their first `length` entries (no copy). */
class EdgeColumnsBuilder {
  length = 0;
  private newcomer = new Int32Array(1024);
  private sponsor = new Int32Array(1024);
  private score = new Float64Array(1024);

  push(i: number, j: number, score: number): void {
    if (this.length === this.newcomer.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.newcomer = grow(this.newcomer, (n) => new Int32Array(n));
      this.sponsor = grow(this.sponsor, (n) => new Int32Array(n));
      this.score = grow(this.score, (n) => new Float64Array(n));
    }
    this.newcomer[this.length] = i;
    this.sponsor[this.length] = j;
    this.score[this.length] = score;
    this.length++;
  }

  columns(): EdgeColumns {
    const n = this.length;
    return { length: n, newcomer: this.newcomer.subarray(0, n), sponsor: this.sponsor.subarray(0, n), score: this.score.subarray(0, n) };
  }
}

export interface EligiblePairs {
  /** The sponsors with at least one eligible newcomer, numbered in the order first seen. */
  sponsorIds: string[];
  /** Free places of each of sponsorIds, on the ranked state. */
  capacities: number[];
  /** Every eligible pair: newcomer position, sponsor position in sponsorIds, score. */
  edges: EdgeColumns;
  /** For each newcomer (by position) whom no sponsor passes: how many sponsors each rule left out. */
  noneEligible: Map<number, Record<RuleName, number>>;
  /** Score and reasons of the given pairs [newcomer position, sponsor position], on the ranked state, in slices. */
  explainPairs(pairs: ReadonlyArray<readonly [number, number]>): Promise<Array<Explanation | undefined>>;
  /** Ends the snapshot (later index changes then need no copy); call once the pairs are explained. */
  release(): void;
}

/**
 * Ranks every newcomer against a snapshot of the index, in slices. `contexts[i]`
 * is newcomer i's context (its pair history; the run's time, rules and weights).
 * Takes ownership of `view`: released on failure, otherwise by the caller through
 * the result's release().
 */
export async function rankEligiblePairs(
  view: CandidateIndex,
  newcomers: readonly NewcomerProfile[],
  contexts: readonly MatchingContext[],
): Promise<EligiblePairs> {
  const sponsorIds: string[] = [];
  const sponsorIndex = new Map<string, number>();
  const edges = new EdgeColumnsBuilder();
  const noneEligible = new Map<number, Record<RuleName, number>>();
  try {
    await inSlices(newcomers.length, (i) => {
      // Every eligible sponsor is an edge; reasons are built only for the chosen pairs.
      const result = rank(view, newcomers[i]!, contexts[i]!, Math.max(1, view.size), { withReasons: false });
      if (result.top.length === 0) noneEligible.set(i, result.excluded);
      for (const p of result.top) {
        let j = sponsorIndex.get(p.sponsorId);
        if (j === undefined) {
          j = sponsorIds.length;
          sponsorIds.push(p.sponsorId);
          sponsorIndex.set(p.sponsorId, j);
        }
        edges.push(i, j, p.score);
      }
    });
  } catch (err) {
    view.release();
    throw err;
  }
  const capacities = sponsorIds.map((id) => Math.max(0, (view.getSponsor(id)?.capacity ?? 0) - view.usedPlaces(id)));
  return {
    sponsorIds,
    capacities,
    edges: edges.columns(),
    noneEligible,
    async explainPairs(pairs) {
      const explained: Array<Explanation | undefined> = [];
      await inSlices(pairs.length, (k) => {
        const [i, j] = pairs[k]!;
        explained.push(explain(view, newcomers[i]!, sponsorIds[j]!, contexts[i]!));
      });
      return explained;
    },
    release: () => view.release(),
  };
}
