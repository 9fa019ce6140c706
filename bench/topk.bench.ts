// Top-k ranking over 100,000 synthetic sponsors: median and p95 milliseconds per
// query. Target: median <= 3 ms. Run alone with `npx tsx bench/topk.bench.ts`;
// bench/run.ts calls benchTopK().

import { pathToFileURL } from 'node:url';
import os from 'node:os';
import { createCandidateIndex } from '../src/matching/candidate-index.ts';
import { rank, rankProfiles } from '../src/matching/rank.ts';
import type { NewcomerProfile, ProgramRules, SponsorProfile } from '../src/matching/types.ts';
import {
  makeContext,
  samplePrograms,
  SAMPLE_NOW,
  syntheticNewcomers,
  syntheticSponsors,
  syntheticUsedPlaces,
} from '../test/support/profile-factories.ts';

export { samplePrograms, SAMPLE_NOW, syntheticNewcomers, syntheticSponsors, syntheticUsedPlaces };

export interface SyntheticPopulation {
  now: number;
  programs: Map<string, ProgramRules>;
  sponsors: SponsorProfile[];
  /** Sponsor id -> places in use (absent: 0). */
  usedPlaces: Map<string, number>;
  newcomers: NewcomerProfile[];
}

/** A deterministic population: several programs, 19 time zones, 15 languages, realistic spread. */
export function syntheticPopulation(sponsorCount = 100_000, newcomerCount = 200, seed = 20250312): SyntheticPopulation {
  const sponsors = syntheticSponsors(sponsorCount, seed, SAMPLE_NOW);
  return {
    now: SAMPLE_NOW,
    programs: samplePrograms(),
    sponsors,
    usedPlaces: syntheticUsedPlaces(sponsors, seed + 1),
    newcomers: syntheticNewcomers(newcomerCount, seed + 2, SAMPLE_NOW),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

const ms = (x: number): string => x.toFixed(2);

export function benchTopK(): Promise<{ markdown: string; ok: boolean }> {
  const SPONSORS = 100_000;
  const QUERIES = 200;
  const K = 10;
  const TARGET_MS = 3;

  let t = performance.now();
  const population = syntheticPopulation(SPONSORS, QUERIES);
  const generateMs = performance.now() - t;

  t = performance.now();
  const index = createCandidateIndex(population.sponsors);
  for (const [id, used] of population.usedPlaces) index.setUsedPlaces(id, used);
  const buildMs = performance.now() - t;

  t = performance.now();
  index.prepareWeek(population.now);
  const weekMs = performance.now() - t;

  const ctx = makeContext({ now: population.now, programs: population.programs, used: population.usedPlaces });

  // Warm-up: one unmeasured pass, so the JIT has compiled the scan before timing.
  for (const n of population.newcomers) rank(index, n, ctx, K);

  const times: number[] = [];
  let eligible = 0;
  for (const n of population.newcomers) {
    const start = performance.now();
    const result = rank(index, n, ctx, K);
    times.push(performance.now() - start);
    eligible += result.eligibleCount;
  }
  times.sort((a, b) => a - b);
  const median = percentile(times, 0.5);
  const p95 = percentile(times, 0.95);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;

  // The brute-force path on a few queries: the speed-up, and that both agree.
  const naiveTimes: number[] = [];
  let agree = true;
  for (const n of population.newcomers.slice(0, 5)) {
    const start = performance.now();
    const slow = rankProfiles(population.sponsors, n, ctx, K);
    naiveTimes.push(performance.now() - start);
    const fast = rank(index, n, ctx, K);
    if (JSON.stringify(fast) !== JSON.stringify(slow)) agree = false;
  }
  naiveTimes.sort((a, b) => a - b);
  const naiveMedian = percentile(naiveTimes, 0.5);

  const ok = median <= TARGET_MS && agree;
  const markdown = [
    '## Top-k ranking (src/matching/rank.ts)',
    '',
    `${SPONSORS.toLocaleString('en-US')} synthetic sponsors (10 programs, 19 time zones), ${QUERIES} varied newcomers, k = ${K}, ` +
      `Node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? 'unknown'}).`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| median per query | **${ms(median)} ms** (target ≤ ${TARGET_MS} ms: ${median <= TARGET_MS ? 'met' : 'NOT met'}) |`,
    `| p95 per query | ${ms(p95)} ms |`,
    `| mean per query | ${ms(mean)} ms |`,
    `| fastest / slowest | ${ms(times[0] ?? NaN)} / ${ms(times[times.length - 1] ?? NaN)} ms |`,
    `| eligible sponsors per query (mean) | ${Math.round(eligible / QUERIES)} |`,
    `| brute force (rankProfiles), median of 5 | ${ms(naiveMedian)} ms (${(naiveMedian / median).toFixed(0)}× slower) |`,
    `| index and brute force agree | ${agree ? 'yes' : 'NO'} |`,
    `| build index | ${ms(buildMs)} ms (generate profiles: ${ms(generateMs)} ms) |`,
    `| availability masks for the week (once a week) | ${ms(weekMs)} ms |`,
    '',
  ].join('\n');
  return Promise.resolve({ markdown, ok });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void benchTopK().then(({ markdown, ok }) => {
    console.log(markdown);
    process.exitCode = ok ? 0 : 1;
  });
}
