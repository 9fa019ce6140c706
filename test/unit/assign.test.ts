import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import fc from 'fast-check';
import type { Highs } from 'highs';
import { assign, assignColumns, type AssignMode, type AssignProblem } from '../../src/matching/assign.ts';

type Edge = readonly [number, number, number];

async function loadHighs(): Promise<Highs> {
  const mod = (await import('highs')) as unknown as { default: (() => Promise<Highs>) | { default: () => Promise<Highs> } };
  const loader = typeof mod.default === 'function' ? mod.default : mod.default.default;
  return loader();
}

/**
 * Reference optimum with HiGHS (CPLEX LP text). The b-matching LP is totally
 * unimodular, so the LP optimum is the integer optimum. Participation mode:
 * max Σx first, then max Σw·x subject to Σx ≥ that maximum.
 */
function highsOptimum(highs: Highs, p: AssignProblem, mode: AssignMode): { objective: number; matched: number } {
  const edges = p.edges.filter(([, j]) => (p.capacities[j] ?? 0) > 0);
  if (edges.length === 0) return { objective: 0, matched: 0 };
  const vars = edges.map((_, k) => `x${k}`);
  const rows: string[] = [];
  for (let i = 0; i < p.newcomers; i++) {
    const terms = edges.flatMap(([a], k) => (a === i ? [vars[k]!] : []));
    if (terms.length) rows.push(` n${i}: ${terms.join(' + ')} <= 1`);
  }
  for (let j = 0; j < p.capacities.length; j++) {
    const terms = edges.flatMap(([, b], k) => (b === j ? [vars[k]!] : []));
    if (terms.length) rows.push(` s${j}: ${terms.join(' + ')} <= ${p.capacities[j]}`);
  }
  const bounds = vars.map((v) => ` 0 <= ${v} <= 1`);
  const solve = (objective: string, extraRows: string[]): number => {
    const lp = ['Maximize', ` obj: ${objective}`, 'Subject To', ...rows, ...extraRows, 'Bounds', ...bounds, 'End'].join('\n');
    const res = highs.solve(lp, { output_flag: false });
    if (res.Status !== 'Optimal') throw new Error(`HiGHS status ${res.Status}`);
    return res.ObjectiveValue;
  };
  const scoreObjective = edges.map(([, , w], k) => `${w} ${vars[k]}`).join(' + ');
  if (mode === 'score') return { objective: solve(scoreObjective, []), matched: -1 };
  const k = Math.round(solve(vars.join(' + '), []));
  return { objective: solve(scoreObjective, [` card: ${vars.join(' + ')} >= ${k}`]), matched: k };
}

/** Random small pool; scores are integers, one-decimal numbers, or arbitrary doubles. */
const poolArb = (scoreArb: fc.Arbitrary<number>): fc.Arbitrary<AssignProblem> =>
  fc
    .record({ n: fc.integer({ min: 0, max: 8 }), m: fc.integer({ min: 1, max: 6 }) })
    .chain(({ n, m }) =>
      fc.record({
        newcomers: fc.constant(n),
        capacities: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: m, maxLength: m }),
        edges:
          n === 0
            ? fc.constant([] as Array<[number, number, number]>)
            : fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: m - 1 }), scoreArb), { maxLength: 24 }),
      }),
    );

const intScore = fc.integer({ min: 0, max: 20 });
const decimalScore = fc.integer({ min: 0, max: 1000 }).map((x) => x / 10);
const anyScore = fc.oneof(intScore, decimalScore, fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true }));

/** Best score per (newcomer, sponsor) pair — duplicates keep the best. */
function bestScores(p: AssignProblem): Map<string, number> {
  const best = new Map<string, number>();
  for (const [i, j, w] of p.edges) {
    const key = `${i},${j}`;
    best.set(key, Math.max(best.get(key) ?? -1, w));
  }
  return best;
}

const closeTo = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

describe('assign (exact sponsor–newcomer assignment)', () => {
  describe('known optima', () => {
    const cases: Array<{
      name: string;
      problem: AssignProblem;
      participation: { objective: number; pairs: Array<[number, number]> };
      score: { objective: number; pairs: Array<[number, number]> };
    }> = [
      {
        name: 'a single eligible pair',
        problem: { newcomers: 1, capacities: [1], edges: [[0, 0, 7]] },
        participation: { objective: 7, pairs: [[0, 0]] },
        score: { objective: 7, pairs: [[0, 0]] },
      },
      {
        name: 'matching more newcomers costs score',
        // A–X 10, A–Y 1, B–X 1: score mode keeps A–X (10, one matched);
        // participation matches both (A–Y + B–X = 2).
        problem: { newcomers: 2, capacities: [1, 1], edges: [[0, 0, 10], [0, 1, 1], [1, 0, 1]] },
        participation: { objective: 2, pairs: [[0, 1], [1, 0]] },
        score: { objective: 10, pairs: [[0, 0]] },
      },
      {
        name: 'a sponsor has capacity 0',
        problem: { newcomers: 2, capacities: [0, 1], edges: [[0, 0, 50], [1, 0, 40], [1, 1, 5]] },
        participation: { objective: 5, pairs: [[1, 1]] },
        score: { objective: 5, pairs: [[1, 1]] },
      },
      {
        name: 'a newcomer has no eligible sponsor',
        problem: { newcomers: 3, capacities: [2], edges: [[0, 0, 3], [2, 0, 4]] },
        participation: { objective: 7, pairs: [[0, 0], [2, 0]] },
        score: { objective: 7, pairs: [[0, 0], [2, 0]] },
      },
      {
        name: 'the same pair is listed twice (the best score is kept)',
        problem: { newcomers: 1, capacities: [1], edges: [[0, 0, 5], [0, 0, 8], [0, 0, 6]] },
        participation: { objective: 8, pairs: [[0, 0]] },
        score: { objective: 8, pairs: [[0, 0]] },
      },
      {
        name: 'a pair scores zero',
        problem: { newcomers: 2, capacities: [1, 1], edges: [[0, 0, 0], [1, 1, 3]] },
        participation: { objective: 3, pairs: [[0, 0], [1, 1]] },
        score: { objective: 3, pairs: [[1, 1]] },
      },
      {
        name: 'a sponsor takes several newcomers',
        problem: { newcomers: 3, capacities: [2, 1], edges: [[0, 0, 9], [1, 0, 8], [2, 0, 7], [2, 1, 1]] },
        participation: { objective: 18, pairs: [[0, 0], [1, 0], [2, 1]] },
        score: { objective: 18, pairs: [[0, 0], [1, 0], [2, 1]] },
      },
      {
        name: 'places are scarce',
        // 3 newcomers compete for 2 places; the best total is 9 + 6 (8 + 5 is the alternative).
        problem: { newcomers: 3, capacities: [1, 1], edges: [[0, 0, 9], [0, 1, 8], [1, 0, 5], [2, 1, 6]] },
        participation: { objective: 15, pairs: [[0, 0], [2, 1]] },
        score: { objective: 15, pairs: [[0, 0], [2, 1]] },
      },
      {
        name: 'the pool is empty',
        problem: { newcomers: 0, capacities: [], edges: [] },
        participation: { objective: 0, pairs: [] },
        score: { objective: 0, pairs: [] },
      },
      {
        name: 'scores have one decimal',
        problem: { newcomers: 2, capacities: [1, 1], edges: [[0, 0, 0.1], [1, 1, 0.2]] },
        participation: { objective: 0.3, pairs: [[0, 0], [1, 1]] },
        score: { objective: 0.3, pairs: [[0, 0], [1, 1]] },
      },
    ];
    for (const c of cases) {
      for (const mode of ['participation', 'score'] as const) {
        it(`when ${c.name}, then ${mode} mode finds objective ${c[mode].objective}`, () => {
          const r = assign(c.problem, mode);
          expect(r.objective).to.equal(c[mode].objective);
          expect(r.pairs).to.deep.equal(c[mode].pairs);
          expect(r.matched).to.equal(c[mode].pairs.length);
        });
      }
    }

    it('when no mode is given, then participation mode is used', () => {
      const p: AssignProblem = { newcomers: 2, capacities: [1, 1], edges: [[0, 0, 10], [0, 1, 1], [1, 0, 1]] };
      expect(assign(p)).to.deep.equal(assign(p, 'participation'));
    });

    it('when scores are arbitrary doubles, then the exact fallback agrees with brute force', () => {
      const p: AssignProblem = {
        newcomers: 3,
        capacities: [1, 1],
        edges: [
          [0, 0, 1 / 3],
          [0, 1, Math.PI],
          [1, 0, Math.E],
          [1, 1, Math.SQRT2 * 2],
          [2, 0, 2.718281828459],
        ],
      };
      const r = assign(p, 'score');
      // best: 0–1 (π) + 1–0 (e) = 5.859…; alternatives 0–0 + 1–1, 0–1 + 2–0 are lower
      expect(r.pairs).to.deep.equal([[0, 1], [1, 0]]);
      expect(r.objective).to.equal(Math.PI + Math.E);
    });
  });

  describe('fast paths (every best pair fits; warm start from the best pairs)', () => {
    /** Deterministic pool generator (LCG), integer scores 1–1000. */
    function lcgPool(n: number, m: number, deg: number, capOf: (j: number, next: () => number) => number, seed: number): AssignProblem {
      let s = seed >>> 0;
      const next = (): number => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 4294967296;
      };
      const capacities = Array.from({ length: m }, (_, j) => capOf(j, next));
      const edges: Array<[number, number, number]> = [];
      for (let i = 0; i < n; i++) {
        const seen = new Set<number>();
        while (seen.size < Math.min(deg, m)) {
          const j = Math.floor(next() * m);
          if (seen.has(j)) continue;
          seen.add(j);
          edges.push([i, j, 1 + Math.floor(next() * 1000)]);
        }
      }
      return { newcomers: n, capacities, edges };
    }
    /** Each newcomer's best pair (lowest sponsor among equal best scores). */
    function bestPairs(p: AssignProblem): Map<number, [number, number]> {
      const best = new Map<number, [number, number]>();
      for (const [i, j, w] of p.edges) {
        const b = best.get(i);
        if (!b || w > b[1] || (w === b[1] && j < b[0])) best.set(i, [j, w]);
      }
      return best;
    }

    it('when every newcomer’s best pair fits the capacities, then both modes return exactly those pairs', () => {
      // newcomer 0's best is sponsor 0, newcomer 1's is sponsor 1, newcomer 2
      // ties between sponsors 1 and 2 (the lower one, 1, is taken); all fit.
      const p: AssignProblem = {
        newcomers: 3,
        capacities: [1, 2, 2],
        edges: [[0, 0, 100], [0, 1, 99], [1, 1, 100], [1, 2, 5], [2, 2, 100], [2, 1, 100]],
      };
      for (const mode of ['score', 'participation'] as const) {
        const r = assign(p, mode);
        expect(r.pairs).to.deep.equal([[0, 0], [1, 1], [2, 1]]);
        expect(r.objective).to.equal(300);
        expect(r.matched).to.equal(3);
      }
    });

    it('when a newcomer whose best sponsor is not over-subscribed must still move, then the solver moves it (the shortcut does not apply)', () => {
      // h (0): best X (10), also Y (9). c (1): best S (20), also X (8).
      // d (2): only S (100). Capacities X = Y = S = 1. Keeping h on its best X
      // leaves c unmatched (10 + 100 = 110); the optimum moves h to Y so that
      // c takes X: 9 + 8 + 100 = 117.
      const p: AssignProblem = {
        newcomers: 3,
        capacities: [1, 1, 1], // X = 0, Y = 1, S = 2
        edges: [[0, 0, 10], [0, 1, 9], [1, 2, 20], [1, 0, 8], [2, 2, 100]],
      };
      for (const mode of ['score', 'participation'] as const) {
        const r = assign(p, mode);
        expect(r.objective).to.equal(117);
        expect(r.pairs).to.deep.equal([[0, 1], [1, 0], [2, 2]]);
        expect(assign(p, mode, { algorithm: 'exact-bigint' }).objective).to.equal(117);
      }
    });

    it('when the best pairs fit, then the result equals the exact reference on a larger loose pool', () => {
      // 200 newcomers, 2,000 sponsors with capacity 3: the best pairs fit
      const p = lcgPool(200, 2000, 10, () => 3, 11);
      const best = bestPairs(p);
      const load = new Map<number, number>();
      for (const [j] of best.values()) load.set(j, (load.get(j) ?? 0) + 1);
      expect(Math.max(...load.values())).to.be.at.most(3); // the premise of this test
      for (const mode of ['score', 'participation'] as const) {
        const r = assign(p, mode);
        expect(r.pairs).to.deep.equal([...best.entries()].sort((a, b) => a[0] - b[0]).map(([i, [j]]) => [i, j]));
        expect(r.objective).to.equal(assign(p, mode, { algorithm: 'exact-bigint' }).objective);
      }
    });

    it('when capacity is loose but some best sponsors are over-subscribed, then the warm-started solver matches the exact reference', () => {
      // 300 newcomers, 600 sponsors with capacity 1: many best sponsors collide
      const p = lcgPool(300, 600, 12, () => 1, 12);
      const load = new Map<number, number>();
      for (const [j] of bestPairs(p).values()) load.set(j, (load.get(j) ?? 0) + 1);
      expect(Math.max(...load.values())).to.be.greaterThan(1); // the fast path must not apply
      for (const mode of ['score', 'participation'] as const) {
        const a = assign(p, mode, { algorithm: 'cost-scaling' });
        const b = assign(p, mode, { algorithm: 'exact-bigint' });
        expect(a.objective).to.equal(b.objective);
        expect(a.matched).to.equal(b.matched);
      }
    });

    for (const [name, n, m, deg, seed] of [
      ['places exactly meet demand', 300, 100, 10, 21],
      ['places fall short of demand', 400, 100, 12, 22],
      ['every sponsor has one place and there are as many sponsors as newcomers', 250, 250, 8, 23],
    ] as const) {
      it(`when ${name} (the first refine at ε = 1 stalls and cost scaling restarts), then the result matches the exact reference`, function () {
        this.timeout(20000);
        const tight = name.startsWith('places exactly');
        const p = lcgPool(n, m, deg, (j, next) => (m === n ? 1 : tight ? 3 : 1 + Math.floor(next() * 5)), seed);
        for (const mode of ['score', 'participation'] as const) {
          const a = assign(p, mode, { algorithm: 'cost-scaling' });
          const b = assign(p, mode, { algorithm: 'exact-bigint' });
          expect(a.objective).to.equal(b.objective);
          expect(a.matched).to.equal(b.matched);
          const load = new Array<number>(m).fill(0);
          for (const [, j] of a.pairs) expect(++load[j]!).to.be.at.most(p.capacities[j]!);
        }
      });
    }
  });

  describe('input validation', () => {
    const bad: Array<[string, () => unknown, typeof RangeError | typeof TypeError, RegExp]> = [
      ['a newcomer index is out of range', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 0, 1], [1, 0, 1]] }), RangeError, /edge 1: newcomer index 1 out of range/],
      ['a sponsor index is out of range', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 3, 1]] }), RangeError, /edge 0: sponsor index 3 out of range/],
      ['an index is not an integer', () => assign({ newcomers: 2, capacities: [1], edges: [[0, 0, 1], [0.5, 0, 1]] }), TypeError, /edge 1: newcomer index must be an integer/],
      ['a score is negative', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 0, -1]] }), RangeError, /edge 0: score must be a finite non-negative number/],
      ['a score is NaN', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 0, Number.NaN]] }), RangeError, /edge 0: score/],
      ['a score is infinite', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 0, Infinity]] }), RangeError, /edge 0: score/],
      ['a capacity is negative', () => assign({ newcomers: 1, capacities: [-1], edges: [] }), RangeError, /capacity of sponsor 0/],
      ['a capacity is fractional', () => assign({ newcomers: 1, capacities: [1, 1.5], edges: [] }), RangeError, /capacity of sponsor 1/],
      ['the newcomer count is negative', () => assign({ newcomers: -1, capacities: [], edges: [] }), RangeError, /newcomers/],
      ['an edge is not a triple', () => assign({ newcomers: 1, capacities: [1], edges: [[0, 0] as unknown as Edge] }), TypeError, /edge 0/],
      ['the mode is unknown', () => assign({ newcomers: 0, capacities: [], edges: [] }, 'fast' as AssignMode), RangeError, /unknown mode/],
    ];
    for (const [name, run, type, message] of bad) {
      it(`when ${name}, then it throws a ${type.name} naming the problem`, () => {
        expect(run).to.throw(type, message);
      });
    }
  });

  describe('properties', () => {
    let highs: Highs;
    before(async function () {
      this.timeout(60000);
      highs = await loadHighs();
    });

    it('when any pool is solved, then no sponsor exceeds its capacity, each newcomer appears once and only eligible pairs are used', () => {
      fc.assert(
        fc.property(poolArb(anyScore), fc.constantFrom<AssignMode>('participation', 'score'), (p, mode) => {
          const r = assign(p, mode);
          const best = bestScores(p);
          const load = new Array<number>(p.capacities.length).fill(0);
          let prev = -1;
          for (const [i, j] of r.pairs) {
            expect(i).to.be.greaterThan(prev); // ordered by newcomer, each at most once
            prev = i;
            expect(best.has(`${i},${j}`)).to.equal(true);
            load[j]!++;
            expect(load[j]).to.be.at.most(p.capacities[j]!);
          }
          expect(r.matched).to.equal(r.pairs.length);
        }),
        { numRuns: 300 },
      );
    });

    it('when a pool is solved, then the objective equals the sum of the chosen pairs’ (best) scores', () => {
      fc.assert(
        fc.property(poolArb(fc.oneof(intScore, decimalScore)), fc.constantFrom<AssignMode>('participation', 'score'), (p, mode) => {
          const r = assign(p, mode);
          const best = bestScores(p);
          const sum = r.pairs.reduce((s, [i, j]) => s + best.get(`${i},${j}`)!, 0);
          expect(closeTo(r.objective, sum)).to.equal(true, `${r.objective} vs ${sum}`);
        }),
        { numRuns: 300 },
      );
    });

    for (const mode of ['score', 'participation'] as const) {
      it(`when a random small pool is solved in ${mode} mode, then the result equals the HiGHS optimum`, () => {
        fc.assert(
          fc.property(poolArb(fc.oneof(intScore, decimalScore)), (p) => {
            const r = assign(p, mode);
            const ref = highsOptimum(highs, p, mode);
            expect(closeTo(r.objective, ref.objective)).to.equal(true, `ours ${r.objective} vs HiGHS ${ref.objective}`);
            if (mode === 'participation') expect(r.matched).to.equal(ref.matched);
          }),
          { numRuns: 250 },
        );
      });
    }

    it('when scores are arbitrary doubles, then the result still equals the HiGHS optimum', () => {
      fc.assert(
        fc.property(poolArb(fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true })), fc.constantFrom<AssignMode>('participation', 'score'), (p, mode) => {
          const r = assign(p, mode);
          const ref = highsOptimum(highs, p, mode);
          expect(closeTo(r.objective, ref.objective)).to.equal(true, `ours ${r.objective} vs HiGHS ${ref.objective}`);
        }),
        { numRuns: 150 },
      );
    });

    it('when cost scaling and the exact BigInt fallback solve the same pool, then they agree', () => {
      fc.assert(
        fc.property(poolArb(fc.oneof(intScore, decimalScore)), fc.constantFrom<AssignMode>('participation', 'score'), (p, mode) => {
          const a = assign(p, mode, { algorithm: 'cost-scaling' });
          const b = assign(p, mode, { algorithm: 'exact-bigint' });
          expect(a.objective).to.equal(b.objective);
          if (mode === 'participation') expect(a.matched).to.equal(b.matched);
        }),
        { numRuns: 300 },
      );
    });

    it('when the same pool is solved twice or with its edges shuffled, then the output is identical', () => {
      fc.assert(
        fc.property(poolArb(anyScore), fc.constantFrom<AssignMode>('participation', 'score'), fc.integer(), (p, mode, seed) => {
          const r1 = assign(p, mode);
          const r2 = assign(p, mode);
          expect(r2).to.deep.equal(r1);
          // a deterministic shuffle of the edge list
          const edges = [...p.edges];
          let s = seed >>> 0;
          for (let k = edges.length - 1; k > 0; k--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const t = s % (k + 1);
            [edges[k], edges[t]] = [edges[t]!, edges[k]!];
          }
          expect(assign({ ...p, edges }, mode)).to.deep.equal(r1);
        }),
        { numRuns: 200 },
      );
    });

    it('when the typed-array entry point is used, then it matches the tuple API', () => {
      fc.assert(
        fc.property(poolArb(anyScore), fc.constantFrom<AssignMode>('participation', 'score'), (p, mode) => {
          const r = assign(p, mode);
          const c = assignColumns(
            {
              newcomers: p.newcomers,
              capacities: Int32Array.from(p.capacities as number[]),
              edgeNewcomer: Int32Array.from(p.edges.map((e) => e[0])),
              edgeSponsor: Int32Array.from(p.edges.map((e) => e[1])),
              edgeScore: Float64Array.from(p.edges.map((e) => e[2])),
            },
            mode,
          );
          expect(c.objective).to.equal(r.objective);
          expect(c.matched).to.equal(r.matched);
          const pairs: Array<[number, number]> = [];
          c.sponsorOf.forEach((j, i) => {
            if (j >= 0) pairs.push([i, j]);
          });
          expect(pairs).to.deep.equal(r.pairs);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('CLI (scripts/assign.ts)', function () {
    this.timeout(30000);
    const run = (args: string[], input: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/assign.ts', ...args], { input, encoding: 'utf8' });

    it('when a small pool is piped in with --mode score, then it prints the optimal assignment as JSON', () => {
      const res = run(['--mode', 'score'], JSON.stringify({ newcomers: 2, capacities: [1, 1], edges: [[0, 0, 10], [0, 1, 1], [1, 0, 1]] }));
      expect(res.status).to.equal(0, res.stderr);
      expect(JSON.parse(res.stdout)).to.deep.equal({ objective: 10, matched: 1, pairs: [[0, 0]] });
    });

    it('when no mode is given, then the CLI uses participation mode', () => {
      const res = run([], JSON.stringify({ newcomers: 2, capacities: [1, 1], edges: [[0, 0, 10], [0, 1, 1], [1, 0, 1]] }));
      expect(res.status).to.equal(0, res.stderr);
      expect(JSON.parse(res.stdout)).to.deep.equal({ objective: 2, matched: 2, pairs: [[0, 1], [1, 0]] });
    });

    const failures: Array<[string, string[], string, RegExp]> = [
      ['the JSON is malformed', ['--mode', 'score'], '{"newcomers": 2,', /malformed JSON/],
      ['the pool has a bad shape', [], JSON.stringify({ newcomers: 1, capacities: [1], edges: [[0, 0]] }), /invalid pool at edges\[0\]/],
      ['a score is negative', [], JSON.stringify({ newcomers: 1, capacities: [1], edges: [[0, 0, -2]] }), /invalid pool at edges\[0\]\[2\]/],
      ['an index is out of range', [], JSON.stringify({ newcomers: 1, capacities: [1], edges: [[0, 4, 1]] }), /edge 0: sponsor index 4 out of range/],
      ['the mode is unknown', ['--mode', 'fastest'], '{}', /unknown --mode "fastest"/],
    ];
    for (const [name, args, input, message] of failures) {
      it(`when ${name}, then it exits with code 2 and a one-line message, without a stack trace`, () => {
        const res = run(args, input);
        expect(res.status).to.equal(2);
        expect(res.stdout).to.equal('');
        const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(message);
        expect(res.stderr).to.not.match(/\n\s+at /);
      });
    }
  });
});
