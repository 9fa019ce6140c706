/**
 * Exact optimal assignment of newcomers to sponsors (bipartite b-matching).
 *
 * Every newcomer gets at most one sponsor, sponsor j takes at most
 * `capacities[j]` newcomers, and only the listed (newcomer, sponsor, score)
 * pairs are eligible. Two objectives:
 *
 * - `score`: maximise the total score of the chosen pairs.
 * - `participation`: maximise the number of matched newcomers first, then the
 *   total score among all maximum-cardinality assignments.
 *
 * Exact, with no tolerance anywhere, in these steps (one module each under assign/):
 *
 * 1. validate.ts, pair-rows.ts: check the input, put the pairs in canonical
 *    order (by newcomer, then sponsor), merge duplicates keeping the best score.
 *    In `score` mode zero-score pairs are dropped (they cannot add anything), so
 *    a pair is only chosen if its score is positive; in `participation` mode
 *    they count for cardinality.
 * 2. exact-scale.ts: turn the scores into exact integers (a common decimal or
 *    power-of-two factor).
 * 3. fast-path.ts: if every newcomer's best pair fits within the capacities,
 *    that assignment is optimal for both objectives and is returned as is.
 * 4. cost-scaling.ts: otherwise min-cost flow by cost scaling (push–relabel,
 *    push-relabel.ts and refine.ts) from a warm start at the best pairs
 *    (warm-start.ts); `participation` mode first computes the maximum
 *    cardinality (max-cardinality.ts) and lets only the rest stay unmatched.
 * 5. reference.ts: when the integer weights are too large for exact double
 *    arithmetic, successive shortest paths in BigInt.
 *
 * Determinism: the solvers have no randomness and break ties by position in
 * the canonical order, so the output depends only on the set of merged pairs.
 */
import { solveCostScaling } from './assign/cost-scaling.ts';
import { chooseScale, sumExactly, scaleToIntegers, type Scale } from './assign/exact-scale.ts';
import { assignBestPairsIfTheyFit } from './assign/fast-path.ts';
import { buildPairRows, dropZeroScores, lookUpScore, type PairRows } from './assign/pair-rows.ts';
import { solveExactBigInt } from './assign/reference.ts';
import type {
  AssignAlgorithm,
  AssignColumnsProblem,
  AssignColumnsResult,
  AssignMode,
  AssignOptions,
  AssignProblem,
  AssignResult,
} from './assign/types.ts';
import { checkAlgorithm, checkMode, columnsFromTuples, validateColumns } from './assign/validate.ts';

export type { AssignColumnsProblem, AssignColumnsResult, AssignMode, AssignOptions, AssignProblem, AssignResult } from './assign/types.ts';
export { maxCardinality } from './assign/max-cardinality.ts';

/** Solve with the tuple API. */
export function assign(problem: AssignProblem, mode: AssignMode = 'participation', options: AssignOptions = {}): AssignResult {
  if (problem === null || typeof problem !== 'object') throw new TypeError('problem must be an object');
  const columns = columnsFromTuples(problem.edges);
  const result = assignColumns(
    { newcomers: problem.newcomers, capacities: problem.capacities, edgeNewcomer: columns.newcomer, edgeSponsor: columns.sponsor, edgeScore: columns.score },
    mode,
    options,
  );
  const pairs: Array<[number, number]> = [];
  result.sponsorOf.forEach((j, i) => {
    if (j >= 0) pairs.push([i, j]);
  });
  return { objective: result.objective, matched: result.matched, pairs };
}

/** Solve with the column API (no per-edge objects). */
export function assignColumns(problem: AssignColumnsProblem, mode: AssignMode = 'participation', options: AssignOptions = {}): AssignColumnsResult {
  checkMode(mode);
  const algorithm = checkAlgorithm(options);
  const edges = validateColumns(problem);
  const merged = buildPairRows(edges);
  const scale = chooseScale(merged.score, merged.count);
  const rows = mode === 'score' ? dropZeroScores(merged) : merged;
  const sponsorOf = new Int32Array(rows.newcomers).fill(-1);
  if (rows.count > 0) solve(rows, edges.capacities, mode, algorithm, scale, sponsorOf);

  const chosenScores: number[] = [];
  for (let i = 0; i < sponsorOf.length; i++) {
    const j = sponsorOf[i]!;
    if (j >= 0) chosenScores.push(lookUpScore(rows, i, j));
  }
  return { objective: sumExactly(chosenScores, scale), matched: chosenScores.length, sponsorOf };
}

function solve(rows: PairRows, capacities: Float64Array, mode: AssignMode, algorithm: AssignAlgorithm, scale: Scale, sponsorOf: Int32Array): void {
  const fitsBudget = scale.kind !== 'none';
  // The shortcut is exact, but `exact-bigint` skips it to stay an independent
  // reference, and `cost-scaling` skips it when it has to throw instead.
  const mayShortcut = algorithm === 'auto' || (algorithm === 'cost-scaling' && fitsBudget);
  if (mayShortcut && assignBestPairsIfTheyFit(rows, capacities, sponsorOf)) return;
  if (algorithm !== 'exact-bigint' && fitsBudget && solveCostScaling(rows, capacities, scaleToIntegers(rows, scale), mode, sponsorOf)) return;
  if (algorithm === 'cost-scaling') {
    throw new RangeError('scores need more precision than the exact cost-scaling budget allows; use algorithm "auto"');
  }
  solveExactBigInt(rows, capacities, mode, sponsorOf);
}
