/**
 * Input checks for both entry points. Every message names the first bad value
 * (mode, algorithm, newcomer count, capacity j, edge k) because callers pass
 * them straight to users of scripts/assign.ts.
 *
 * The edge pass also copies the indices into Int32Arrays (and the scores into
 * a Float64Array unless they are one), so every later pass is monomorphic
 * whatever array type the caller used, and it counts the pairs per sponsor
 * and per newcomer for the two counting sorts of pair-rows.ts.
 */
import type { AssignAlgorithm, AssignColumnsProblem, AssignMode, AssignOptions } from './types.ts';

/** Largest node count the Int32Array-based solvers can number. */
const MAX_NODES = 0x3fffffff;

export interface ValidEdges {
  newcomers: number;
  sponsors: number;
  capacities: Float64Array;
  newcomer: Int32Array;
  sponsor: Int32Array;
  score: Float64Array;
  /** perNewcomer[i + 1] and perSponsor[j + 1] count the edges of newcomer i and sponsor j (buildPairRows reuses them in place). */
  perNewcomer: Int32Array;
  perSponsor: Int32Array;
}

export function checkMode(mode: AssignMode): void {
  if (mode !== 'participation' && mode !== 'score') {
    throw new RangeError(`unknown mode ${JSON.stringify(mode)}; expected "participation" or "score"`);
  }
}

export function checkAlgorithm(options: AssignOptions): AssignAlgorithm {
  const algorithm = options.algorithm ?? 'auto';
  if (algorithm !== 'auto' && algorithm !== 'cost-scaling' && algorithm !== 'exact-bigint') {
    throw new RangeError(`unknown algorithm ${JSON.stringify(algorithm)}`);
  }
  return algorithm;
}

/** Tuple edges to columns; only their shape is checked here, the values by validateColumns. */
export function columnsFromTuples(edges: unknown): { newcomer: Float64Array; sponsor: Float64Array; score: Float64Array } {
  if (!Array.isArray(edges)) throw new TypeError('problem.edges must be an array of [newcomer, sponsor, score]');
  const count = edges.length;
  const newcomer = new Float64Array(count);
  const sponsor = new Float64Array(count);
  const score = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const edge: unknown = edges[k];
    if (!Array.isArray(edge) || edge.length !== 3) {
      throw new TypeError(`edge ${k}: expected [newcomer, sponsor, score]`);
    }
    const [i, j, w] = edge as readonly unknown[];
    if (typeof i !== 'number' || typeof j !== 'number' || typeof w !== 'number') {
      throw new TypeError(`edge ${k}: newcomer, sponsor and score must be numbers`);
    }
    newcomer[k] = i;
    sponsor[k] = j;
    score[k] = w;
  }
  return { newcomer, sponsor, score };
}

export function validateColumns(problem: AssignColumnsProblem): ValidEdges {
  const newcomers: unknown = problem.newcomers;
  if (typeof newcomers !== 'number' || !Number.isInteger(newcomers) || newcomers < 0 || newcomers > MAX_NODES) {
    throw new RangeError(`newcomers must be a non-negative integer (got ${String(newcomers)})`);
  }
  const capacities = validateCapacities(problem.capacities);
  const { edgeNewcomer, edgeSponsor, edgeScore } = problem;
  const count = edgeNewcomer.length;
  if (edgeSponsor.length !== count || edgeScore.length !== count) {
    throw new RangeError('edgeNewcomer, edgeSponsor and edgeScore must have the same length');
  }
  const sponsors = capacities.length;
  const newcomer = new Int32Array(count);
  const sponsor = new Int32Array(count);
  const perNewcomer = new Int32Array(newcomers + 1);
  const perSponsor = new Int32Array(sponsors + 1);
  for (let k = 0; k < count; k++) {
    const i: unknown = edgeNewcomer[k];
    const j: unknown = edgeSponsor[k];
    const w: unknown = edgeScore[k];
    // The quick test implies every detailed check of checkEdge, so the first
    // failing edge gets the same message either way.
    if (
      !(typeof i === 'number' && (i | 0) === i && i >= 0 && i < newcomers &&
        typeof j === 'number' && (j | 0) === j && j >= 0 && j < sponsors &&
        typeof w === 'number' && w >= 0 && w <= Number.MAX_VALUE)
    ) {
      checkEdge(k, i, j, w, newcomers, sponsors);
    }
    newcomer[k] = i;
    sponsor[k] = j;
    perNewcomer[i + 1]!++;
    perSponsor[j + 1]!++;
  }
  // Scores are only read from here on, so a Float64Array needs no copy.
  const score = edgeScore instanceof Float64Array ? edgeScore : Float64Array.from(edgeScore);
  return { newcomers, sponsors, capacities, newcomer, sponsor, score, perNewcomer, perSponsor };
}

function validateCapacities(capacities: ArrayLike<number>): Float64Array {
  if (capacities === null || typeof capacities !== 'object' || typeof capacities.length !== 'number') {
    throw new TypeError('capacities must be an array of non-negative integers');
  }
  const count = capacities.length;
  if (count > MAX_NODES) throw new RangeError('too many sponsors');
  const copy = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    const c: unknown = capacities[j];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
      throw new RangeError(`capacity of sponsor ${j} must be a non-negative integer (got ${String(c)})`);
    }
    copy[j] = c;
  }
  return copy;
}

/** Throws the error for edge k (the detailed checks, in order); only called for an edge that failed the quick test. */
function checkEdge(k: number, i: unknown, j: unknown, w: unknown, newcomers: number, sponsors: number): never {
  if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError(`edge ${k}: newcomer index must be an integer (got ${String(i)})`);
  if (typeof j !== 'number' || !Number.isInteger(j)) throw new TypeError(`edge ${k}: sponsor index must be an integer (got ${String(j)})`);
  if (i < 0 || i >= newcomers) throw new RangeError(`edge ${k}: newcomer index ${i} out of range [0, ${newcomers})`);
  if (j < 0 || j >= sponsors) throw new RangeError(`edge ${k}: sponsor index ${j} out of range [0, ${sponsors})`);
  throw new RangeError(`edge ${k}: score must be a finite non-negative number (got ${String(w)})`);
}
