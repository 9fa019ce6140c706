/**
 * Benchmark of the exact sponsor–newcomer assignment (src/matching/assign.ts).
 *
 * What it measures, on three deterministic (seeded) pools with integer scores
 * 1–1000 and ~50 eligible sponsors per newcomer:
 *   A. 5,000 newcomers × 20,000 sponsors, capacities 1–3 (plenty of places);
 *   B. 5,000 × 1,700, capacities 1–5 adjusted to sum to exactly 5,000 (places
 *      barely meet demand, so participation and score modes differ);
 *   C. 20,000 × 6,800, capacities 1–5 (≈ 1,000,000 eligible pairs).
 * For each pool and each mode (participation, score):
 *   - our solver through the typed-array entry point `assignColumns`
 *     (median wall time of RUNS runs, after one warm-up run);
 *   - HiGHS (the `highs` npm package, WebAssembly) solving the same problem as
 *     an LP, once (the b-matching LP is totally unimodular, so HiGHS's optimal
 *     vertex is integral; we check that and recompute the score from it).
 *     Participation mode uses lexicographic weights w + B with
 *     B = min(n, Σc)·max w + 1 (exact integers), solved with HiGHS's IPM +
 *     crossover (its default simplex is ~25× slower on these costs); score
 *     mode uses HiGHS's default solver choice. Model building excluded;
 *   - a greedy baseline (edges by score descending, take when both sides are
 *     free): its objective gap to the optimum in % and its unmatched count.
 * It throws (non-zero exit when run standalone) if our objective or our
 * matched count differs from HiGHS's, or if our assignment is infeasible.
 *
 * Run standalone: `npx tsx bench/assign.bench.ts` (takes a few minutes, mostly
 * HiGHS). `bench/run.ts` imports `benchAssign()`.
 */
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../test/support/profile-factories.ts';
import { assignColumns, type AssignColumnsProblem, type AssignMode } from '../src/matching/assign.ts';

export interface BenchSection {
  title: string;
  /** Markdown (a table plus notes). */
  markdown: string;
  pass: boolean;
}

const RUNS = 5;
const HIGHS_TIME_LIMIT_S = 300;


interface Instance {
  name: string;
  problem: AssignColumnsProblem & { capacities: Int32Array; edgeNewcomer: Int32Array; edgeSponsor: Int32Array; edgeScore: Float64Array };
}

/** Pool with `deg` distinct random sponsors per newcomer, integer scores 1–1000. */
export function generatePool(name: string, n: number, m: number, deg: number, capLo: number, capHi: number, seed: number, capTotal?: number): Instance {
  const rnd = seededRandom(seed);
  const caps = new Int32Array(m);
  let total = 0;
  for (let j = 0; j < m; j++) {
    caps[j] = capLo + Math.floor(rnd() * (capHi - capLo + 1));
    total += caps[j]!;
  }
  if (capTotal !== undefined) {
    // adjust randomly by ±1 (staying within [capLo, capHi]) until the total matches
    while (total !== capTotal) {
      const j = Math.floor(rnd() * m);
      if (total > capTotal && caps[j]! > capLo) {
        caps[j]!--;
        total--;
      } else if (total < capTotal && caps[j]! < capHi) {
        caps[j]!++;
        total++;
      }
    }
  }
  const d = Math.min(deg, m);
  const E = n * d;
  const en = new Int32Array(E);
  const es = new Int32Array(E);
  const ew = new Float64Array(E);
  const seen = new Int32Array(m).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let c = 0;
    while (c < d) {
      const j = Math.floor(rnd() * m);
      if (seen[j] === i) continue;
      seen[j] = i;
      en[k] = i;
      es[k] = j;
      ew[k] = 1 + Math.floor(rnd() * 1000);
      k++;
      c++;
    }
  }
  return { name, problem: { newcomers: n, capacities: caps, edgeNewcomer: en, edgeSponsor: es, edgeScore: ew } };
}

export function benchInstances(): Instance[] {
  return [
    generatePool('A: 5,000 × 20,000', 5000, 20000, 50, 1, 3, 101),
    generatePool('B: 5,000 × 1,700 (tight)', 5000, 1700, 50, 1, 5, 202, 5000),
    generatePool('C: 20,000 × 6,800', 20000, 6800, 50, 1, 5, 303),
  ];
}

/** Greedy baseline: edges by score descending (ties by index), take when free. */
export function greedy(p: Instance['problem']): { objective: number; matched: number } {
  const E = p.edgeScore.length;
  const idx = new Uint32Array(E);
  for (let k = 0; k < E; k++) idx[k] = k;
  const w = p.edgeScore;
  const sorted = Array.from(idx).sort((a, b) => w[b]! - w[a]! || a - b);
  const taken = new Uint8Array(p.newcomers);
  const left = Int32Array.from(p.capacities);
  let objective = 0;
  let matched = 0;
  for (const k of sorted) {
    const i = p.edgeNewcomer[k]!;
    const j = p.edgeSponsor[k]!;
    if (taken[i] || left[j]! <= 0) continue;
    taken[i] = 1;
    left[j]!--;
    objective += w[k]!;
    matched++;
  }
  return { objective, matched };
}

import type { Highs } from 'highs';

type HighsModule = Highs;

/** Load HiGHS (the package is CommonJS-typed; at run time ESM gets the loader as default). */
export async function loadHighs(): Promise<Highs> {
  const mod = (await import('highs')) as unknown as { default: (() => Promise<Highs>) | { default: () => Promise<Highs> } };
  const loader = typeof mod.default === 'function' ? mod.default : mod.default.default;
  return loader();
}

interface LpResult {
  objective: number;
  matched: number;
  ms: number;
}

/**
 * Solve the b-matching LP with HiGHS (structured model, CSC columns = edges):
 * maximise Σ (w_e + bonus)·x_e subject to Σ_{e at newcomer i} x_e ≤ 1,
 * Σ_{e at sponsor j} x_e ≤ c_j, 0 ≤ x ≤ 1. Returns the score Σ w_e·x_e and the
 * matched count Σ x_e of HiGHS's primal solution (checked to be integral).
 */
function highsLp(highs: HighsModule, p: Instance['problem'], bonus: number, solver: 'choose' | 'ipm'): LpResult {
  const n = p.newcomers;
  const m = p.capacities.length;
  const E = p.edgeScore.length;
  const starts = new Int32Array(E + 1);
  const indices = new Int32Array(E * 2);
  const values = new Float64Array(E * 2).fill(1);
  for (let k = 0; k < E; k++) {
    starts[k] = k * 2;
    indices[k * 2] = p.edgeNewcomer[k]!;
    indices[k * 2 + 1] = n + p.edgeSponsor[k]!;
  }
  starts[E] = E * 2;
  const rows = n + m;
  const rowLower = new Float64Array(rows).fill(-highs.infinity);
  const rowUpper = new Float64Array(rows);
  for (let i = 0; i < n; i++) rowUpper[i] = 1;
  for (let j = 0; j < m; j++) rowUpper[n + j] = p.capacities[j]!;
  const colCost = new Float64Array(E);
  for (let k = 0; k < E; k++) colCost[k] = p.edgeScore[k]! + bonus;
  const model = highs.createModel({
    numCols: E,
    numRows: rows,
    sense: highs.constants.objectiveSense.maximize,
    colCost,
    colLower: new Float64Array(E),
    colUpper: new Float64Array(E).fill(1),
    rowLower,
    rowUpper,
    matrix: { format: 'csc', numRows: rows, numCols: E, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false, time_limit: HIGHS_TIME_LIMIT_S, solver });
    const t0 = performance.now();
    const run = model.run();
    const ms = performance.now() - t0;
    if (run.modelStatus !== highs.constants.modelStatus.optimal) {
      throw new Error(`HiGHS did not prove optimality (model status ${run.modelStatus})`);
    }
    const x = model.getSolution().colValue;
    let objective = 0;
    let matched = 0;
    for (let k = 0; k < E; k++) {
      const v = x[k]!;
      const r = Math.round(v);
      if (Math.abs(v - r) > 1e-6) throw new Error(`HiGHS returned a fractional solution (x[${k}] = ${v})`);
      if (r === 1) {
        objective += p.edgeScore[k]!;
        matched++;
      }
    }
    return { objective, matched, ms };
  } finally {
    model.dispose();
  }
}

export function solveWithHighs(highs: HighsModule, p: Instance['problem'], mode: AssignMode): LpResult {
  if (mode === 'score') {
    const r = highsLp(highs, p, 0, 'choose');
    return { objective: r.objective, matched: r.matched, ms: r.ms };
  }
  // Lexicographic weights: w + B with B > (max cardinality) · max w, so one
  // more matched newcomer always outweighs any score difference. All costs are
  // integers below 2^53/… and the LP is totally unimodular, so HiGHS returns
  // an integral vertex; the score is recomputed from its primal solution.
  let maxW = 0;
  for (const w of p.edgeScore) if (w > maxW) maxW = w;
  let capTotal = 0;
  for (const c of p.capacities) capTotal += c;
  const bigM = Math.min(p.newcomers, capTotal) * maxW + 1;
  // HiGHS's default (dual simplex) needs ~100 s on pool B with these nearly
  // uniform costs; its interior-point solver (with crossover) takes ~4 s.
  return highsLp(highs, p, bigM, 'ipm');
}

function checkFeasible(p: Instance['problem'], sponsorOf: Int32Array): number {
  const load = new Int32Array(p.capacities.length);
  const best = new Map<number, number>();
  for (let k = 0; k < p.edgeScore.length; k++) {
    const key = p.edgeNewcomer[k]! * p.capacities.length + p.edgeSponsor[k]!;
    best.set(key, Math.max(best.get(key) ?? 0, p.edgeScore[k]!));
  }
  let sum = 0;
  for (let i = 0; i < sponsorOf.length; i++) {
    const j = sponsorOf[i]!;
    if (j < 0) continue;
    const w = best.get(i * p.capacities.length + j);
    if (w === undefined) throw new Error(`assignment uses a non-eligible pair (${i}, ${j})`);
    sum += w;
    if (++load[j]! > p.capacities[j]!) throw new Error(`sponsor ${j} over capacity`);
  }
  return sum;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

export async function benchAssign(log: (line: string) => void = () => {}): Promise<BenchSection> {
  const highs = await loadHighs();
  const rows: string[] = [];
  const failures: string[] = [];
  for (const inst of benchInstances()) {
    const p = inst.problem;
    let capTotal = 0;
    for (const c of p.capacities) capTotal += c;
    for (const mode of ['participation', 'score'] as const) {
      assignColumns(p, mode); // warm-up
      const times: number[] = [];
      let ours = assignColumns(p, mode);
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        ours = assignColumns(p, mode);
        times.push(performance.now() - t0);
      }
      const oursMs = median(times);
      const sum = checkFeasible(p, ours.sponsorOf);
      if (sum !== ours.objective) failures.push(`${inst.name} ${mode}: objective ${ours.objective} ≠ sum of chosen scores ${sum}`);
      log(`${inst.name} ${mode}: ours ${fmt(oursMs, 1)} ms, objective ${ours.objective}, matched ${ours.matched}; running HiGHS…`);
      let hs: LpResult | null = null;
      let hsError = '';
      try {
        hs = solveWithHighs(highs, p, mode);
      } catch (e) {
        hsError = (e as Error).message;
        failures.push(`${inst.name} ${mode}: HiGHS failed: ${hsError}`);
      }
      if (hs) {
        log(`  HiGHS ${fmt(hs.ms)} ms, objective ${hs.objective}`);
        const tol = 1e-9 * Math.max(1, Math.abs(hs.objective)) + 1e-6;
        if (Math.abs(hs.objective - ours.objective) > tol) {
          failures.push(`${inst.name} ${mode}: objective ours ${ours.objective} ≠ HiGHS ${hs.objective}`);
        }
        if (mode === 'participation' && hs.matched !== ours.matched) {
          failures.push(`${inst.name} ${mode}: matched ours ${ours.matched} ≠ HiGHS ${hs.matched}`);
        }
      }
      const g = greedy(p);
      const gap = ours.objective > 0 ? ((ours.objective - g.objective) / ours.objective) * 100 : 0;
      rows.push(
        `| ${inst.name} (${fmt(p.edgeScore.length)} pairs, ${fmt(capTotal)} places) | ${mode} | ${fmt(oursMs, 1)} | ${hs ? fmt(hs.ms) : `failed: ${hsError}`} | ${hs ? `${fmt(hs.ms / oursMs, 0)}×` : '—'} | ${fmt(ours.objective)} / ${hs ? fmt(hs.objective, 1) : '—'} | ${ours.matched} | ${gap.toFixed(2)} % | ${fmt(p.newcomers - g.matched)} (ours ${fmt(p.newcomers - ours.matched)}) |`,
      );
    }
  }
  const markdown = [
    '| instance | mode | ours median ms | HiGHS ms | speed-up | objective ours / HiGHS | ours matched | greedy gap | greedy unmatched |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Ours: median of ${RUNS} runs of \`assignColumns\` after a warm-up (validation and preprocessing included). HiGHS: one LP solve (participation: lexicographic weights w + B, B = min(n, Σc)·max w + 1), model building excluded; its score and matched count are recomputed from its integral primal solution. Greedy gap: (ours − greedy) / ours.`,
    ...(failures.length ? ['', '**FAILURES:**', ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');
  const section = { title: 'Exact assignment (src/matching/assign.ts)', markdown, pass: failures.length === 0 };
  if (!section.pass) {
    // fail loudly; the section (with its FAILURES list) rides along on the error
    throw Object.assign(new Error(`assign benchmark FAILED:\n${failures.join('\n')}`), { section });
  }
  return section;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  benchAssign((l) => console.error(l))
    .then((s) => {
      console.log(`## ${s.title}\n\n${s.markdown}`);
    })
    .catch((e: unknown) => {
      const section = (e as { section?: BenchSection }).section;
      if (section) console.log(`## ${section.title}\n\n${section.markdown}`);
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
