export type AssignMode = 'participation' | 'score';

export interface AssignProblem {
  /** Number of newcomers; newcomer indices are 0..newcomers-1. */
  newcomers: number;
  /** Free places per sponsor; sponsor indices are 0..capacities.length-1. */
  capacities: ArrayLike<number>;
  /** Eligible pairs as [newcomer, sponsor, score]. */
  edges: ReadonlyArray<readonly [number, number, number]>;
}

export interface AssignResult {
  /** Sum of the chosen pairs' scores (exact decimal/dyadic sum, rounded once to a double). */
  objective: number;
  /** Number of matched newcomers. */
  matched: number;
  /** Chosen pairs [newcomer, sponsor], ordered by newcomer. */
  pairs: Array<[number, number]>;
}

/** Column (typed-array) form of the problem: edge k is (edgeNewcomer[k], edgeSponsor[k], edgeScore[k]). */
export interface AssignColumnsProblem {
  newcomers: number;
  capacities: ArrayLike<number>;
  edgeNewcomer: ArrayLike<number>;
  edgeSponsor: ArrayLike<number>;
  edgeScore: ArrayLike<number>;
}

export interface AssignColumnsResult {
  objective: number;
  matched: number;
  /** sponsorOf[i] is the sponsor of newcomer i, or -1 when unmatched. */
  sponsorOf: Int32Array;
}

export interface AssignOptions {
  /**
   * `auto` (default): cost scaling when the integer weights fit the exact-double
   * budget, else the BigInt fallback. `cost-scaling` throws a RangeError when
   * the weights do not fit; `exact-bigint` always uses the BigInt fallback
   * (useful for cross-checking).
   */
  algorithm?: 'auto' | 'cost-scaling' | 'exact-bigint';
}

export type AssignAlgorithm = NonNullable<AssignOptions['algorithm']>;
