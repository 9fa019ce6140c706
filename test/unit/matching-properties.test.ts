import { expect } from 'chai';
import fc from 'fast-check';
import { createCandidateIndex } from '../../src/matching/candidate-index.ts';
import { failingRules, firstFailingRule } from '../../src/matching/eligibility.ts';
import { rank, rankProfiles } from '../../src/matching/rank.ts';
import { newcomerSafeReasons } from '../../src/matching/reasons.ts';
import { scorePair } from '../../src/matching/scoring.ts';
import { FACTORS, type MatchingContext, type MatchingWeights, type PairEvent, type SponsorProfile } from '../../src/matching/types.ts';
import { makeContext, samplePrograms, seededRandom, syntheticNewcomer, syntheticSponsors, SAMPLE_NOW } from '../support/profile-factories.ts';

const DAY_MS = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2026, 11, 31);

const weightsArb: fc.Arbitrary<MatchingWeights> = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 }), fc.double({ min: 0, max: 5, noNaN: true })), {
    minLength: FACTORS.length,
    maxLength: FACTORS.length,
  })
  .map((ws) => Object.fromEntries(FACTORS.map((f, i) => [f, ws[i] ?? 0])) as MatchingWeights);

const worldArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  size: fc.integer({ min: 0, max: 60 }),
  now: fc.integer({ min: FROM, max: TO }),
  k: fc.integer({ min: 0, max: 12 }),
  weights: fc.record({ aa: weightsArb, na: weightsArb, smart: weightsArb }),
});

interface World {
  sponsors: SponsorProfile[];
  newcomer: ReturnType<typeof syntheticNewcomer>;
  ctx: MatchingContext;
  k: number;
}

type WorldParams = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function buildWorld(p: WorldParams): World {
  const rng = seededRandom(p.seed ^ 0x5eed);
  const sponsors = syntheticSponsors(p.size, p.seed, SAMPLE_NOW, { small: true });
  const newcomer = syntheticNewcomer(rng, 'n1', SAMPLE_NOW, { small: true });
  // The newcomer is sometimes a sponsor too.
  if (sponsors.length > 0 && rng() < 0.2) sponsors[0] = { ...sponsors[0]!, userId: 'n1' };
  const used = new Map<string, number>();
  const history = new Map<string, PairEvent[]>();
  for (const s of sponsors) {
    if (rng() < 0.4) used.set(s.userId, Math.floor(rng() * (s.capacity + 1)));
    if (rng() < 0.15) {
      const kind = (['ended', 'blocked', 'declined', 'rejected'] as const)[Math.floor(rng() * 4)]!;
      history.set(`n1|${s.userId}`, [{ kind, at: p.now - Math.floor(rng() * 200) * DAY_MS }]);
    }
  }
  const ctx = makeContext({ now: p.now, used, history, weights: p.weights, programs: samplePrograms() });
  return { sponsors, newcomer, ctx, k: p.k };
}

function indexFor(world: World, order: SponsorProfile[] = world.sponsors) {
  const index = createCandidateIndex(order);
  for (const s of world.sponsors) index.setUsedPlaces(s.userId, world.ctx.usedPlaces(s.userId));
  return index;
}

const RUNS = { numRuns: 150 };

describe('matching properties', () => {
  it('when any population is ranked, then the index equals brute force over firstFailingRule and scorePair', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        const fast = rank(indexFor(world), world.newcomer, world.ctx, world.k);
        const slow = rankProfiles(world.sponsors, world.newcomer, world.ctx, world.k);
        expect(fast).to.deep.equal(slow);
      }),
      RUNS,
    );
  });

  it('when the index has seen updates, removals and program changes, then it still equals brute force', () => {
    fc.assert(
      fc.property(worldArb, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (p, mutationSeed) => {
        // Arrange: start from half the population, then replay random changes.
        const world = buildWorld(p);
        const rng = seededRandom(mutationSeed);
        const index = createCandidateIndex(world.sponsors.slice(0, Math.floor(world.sponsors.length / 2)));
        const live = new Map(world.sponsors.slice(0, Math.floor(world.sponsors.length / 2)).map((s) => [s.userId, s]));
        for (let step = 0; step < world.sponsors.length * 2; step++) {
          const s = world.sponsors[Math.floor(rng() * world.sponsors.length)]!;
          const roll = rng();
          if (roll < 0.25) {
            index.removeSponsor(s.userId);
            live.delete(s.userId);
          } else {
            const changed = roll < 0.6 ? { ...s, program: (['aa', 'na', 'smart'] as const)[Math.floor(rng() * 3)]! } : s;
            index.upsertSponsor(changed);
            live.set(s.userId, changed);
          }
        }
        for (const s of world.sponsors) index.setUsedPlaces(s.userId, world.ctx.usedPlaces(s.userId));

        // Act
        const fast = rank(index, world.newcomer, world.ctx, world.k);
        const slow = rankProfiles(live.values(), world.newcomer, world.ctx, world.k);

        // Assert
        expect(fast).to.deep.equal(slow);
        expect(index.size).to.equal(live.size);
      }),
      RUNS,
    );
  });

  it('when rank proposes a sponsor, then the pair fails no hard rule', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        const result = rank(indexFor(world), world.newcomer, world.ctx, 100);
        for (const proposed of result.top) {
          const sponsor = world.sponsors.find((s) => s.userId === proposed.sponsorId)!;
          expect(failingRules(world.newcomer, sponsor, world.ctx)).to.deep.equal([]);
          expect(firstFailingRule(world.newcomer, sponsor, world.ctx)).to.equal(null);
        }
        const excluded = Object.values(result.excluded).reduce((s, n) => s + n, 0);
        expect(excluded + result.eligibleCount).to.equal(world.sponsors.length);
      }),
      RUNS,
    );
  });

  it('when the same query runs twice or on an index built in another order, then the output is identical', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        const index = indexFor(world);
        const first = rank(index, world.newcomer, world.ctx, world.k);
        const again = rank(index, world.newcomer, world.ctx, world.k);
        const reversed = rank(indexFor(world, [...world.sponsors].reverse()), world.newcomer, world.ctx, world.k);
        expect(again).to.deep.equal(first);
        expect(reversed).to.deep.equal(first);
      }),
      RUNS,
    );
  });

  it('when any pair is scored, then the score is within 0..100 with one decimal and the top is ordered', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        for (const s of world.sponsors) {
          const { score } = scorePair(world.newcomer, s, world.ctx);
          expect(score).to.be.within(0, 100);
          expect(Math.round(score * 10) / 10).to.equal(score);
          expect(Number(score.toFixed(1))).to.equal(score);
        }
        const { top } = rank(indexFor(world), world.newcomer, world.ctx, 100);
        for (let i = 1; i < top.length; i++) {
          const a = top[i - 1]!;
          const b = top[i]!;
          expect(a.score > b.score || (a.score === b.score && a.sponsorId < b.sponsorId)).to.equal(true);
        }
      }),
      RUNS,
    );
  });

  it('when reasons are filtered for a newcomer, then no experience off the card, bio or date leaks', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        for (const s of world.sponsors) {
          const safe = newcomerSafeReasons(scorePair(world.newcomer, s, world.ctx).reasons);
          const text = safe.map((r) => r.text).join(' | ');
          const offCard = (s.experiences ?? []).filter((e) => !(s.experiencesOnCard ?? []).includes(e));
          for (const e of offCard) expect(text).to.not.include(e.replace(/[-_]/g, ' '));
          expect(text).to.not.include(s.recoveryDate);
          if (s.bio !== undefined) expect(text).to.not.include(s.bio);
          for (const r of safe) {
            expect(['program', 'languages', 'recoveryGap', 'availability', 'contactModes', 'experiences']).to.include(r.factor);
          }
        }
      }),
      RUNS,
    );
  });
});
