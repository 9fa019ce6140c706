import { expect } from 'chai';
import { assign } from '../../src/matching/assign.ts';
import { assignOffLoop } from '../../src/matching/assign-off-loop.ts';
import { seededRandom } from '../support/profile-factories.ts';

// A tight pool: more newcomers than places, many eligible pairs each.
function pool(newcomers: number, sponsors: number, perNewcomer: number, seed: number) {
  const rng = seededRandom(seed);
  const capacities = Array.from({ length: sponsors }, () => 1 + Math.floor(rng() * 3));
  const edges: Array<[number, number, number]> = [];
  for (let i = 0; i < newcomers; i++) {
    const seen = new Set<number>();
    while (seen.size < perNewcomer) seen.add(Math.floor(rng() * sponsors));
    for (const j of seen) edges.push([i, j, Math.round(rng() * 1000) / 10]);
  }
  return { newcomers, capacities, edges };
}

/** The same pool with its edges as the columns a run hands the solver. */
const asColumns = (p: ReturnType<typeof pool>) => ({
  newcomers: p.newcomers,
  capacities: p.capacities,
  edges: {
    length: p.edges.length,
    newcomer: Int32Array.from(p.edges, (e) => e[0]),
    sponsor: Int32Array.from(p.edges, (e) => e[1]),
    score: Float64Array.from(p.edges, (e) => e[2]),
  },
});

describe('assignOffLoop: the pool solve on a worker thread', () => {
  it('when a pool is solved off the loop, then the result is exactly the in-thread one', async () => {
    for (const [seed, mode] of [[1, 'participation'], [2, 'score']] as const) {
      const p = pool(300, 80, 12, seed);
      const here = assign(p, mode);
      const columns = asColumns(p);
      const there = await assignOffLoop(columns, mode);
      expect(there).to.deep.equal(here);
      // Transferred to the worker, not copied: the caller's columns are detached.
      expect(columns.edges.score.length).to.equal(0);
    }
  });

  it('when a large pool is solved, then this thread keeps serving timers meanwhile', async function () {
    this.timeout(60_000);
    const p = pool(5000, 1700, 50, 7);
    const columns = asColumns(p);
    const started = performance.now();
    assign(p, 'participation');
    const inThread = performance.now() - started;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    try {
      await assignOffLoop(columns, 'participation');
    } finally {
      clearInterval(timer);
    }
    // Copying the columns takes a few ms here; the solve itself (over a second) happens elsewhere.
    expect(longestGap, `in-thread solve took ${Math.round(inThread)} ms`).to.be.below(Math.max(100, inThread / 3));
  });
});
