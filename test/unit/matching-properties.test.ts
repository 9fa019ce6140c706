import { expect } from 'chai';
import fc from 'fast-check';
import { assign } from '../../src/matching/assign.ts';
import { overlapMinutes, weekStartOf } from '../../src/matching/availability.ts';
import { availableSinceMs, createCandidateIndex } from '../../src/matching/candidate-index.ts';
import { failingRules, firstFailingRule, haversineKm, primaryLanguage } from '../../src/matching/eligibility.ts';
import { rankEligiblePairs } from '../../src/matching/eligible-pairs.ts';
import { compareTied, rank, rankProfiles } from '../../src/matching/rank.ts';
import { newcomerSafeReasons } from '../../src/matching/reasons.ts';
import { recoveryDays } from '../../src/matching/recovery.ts';
import { scorePair } from '../../src/matching/scoring.ts';
import {
  DEFAULT_MAX_DISTANCE_KM,
  FACTORS,
  type MatchingContext,
  type MatchingWeights,
  type NewcomerProfile,
  type PairEvent,
  type SponsorProfile,
} from '../../src/matching/types.ts';
import { makeContext, ruleVarietyPrograms, seededRandom, syntheticNewcomer, syntheticNewcomers, syntheticSponsors, SAMPLE_NOW } from '../support/profile-factories.ts';

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
  const sponsors = syntheticSponsors(p.size, p.seed, SAMPLE_NOW, { small: true, limits: true });
  const newcomer = syntheticNewcomer(rng, 'n1', SAMPLE_NOW, { small: true, limits: true });
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
  const ctx = makeContext({ now: p.now, used, history, weights: p.weights, programs: ruleVarietyPrograms() });
  return { sponsors, newcomer, ctx, k: p.k };
}

function indexFor(world: World, order: SponsorProfile[] = world.sponsors) {
  const index = createCandidateIndex(order);
  for (const s of world.sponsors) index.setUsedPlaces(s.userId, world.ctx.usedPlaces(s.userId));
  return index;
}

const RUNS = { numRuns: 150 };

/**
 * The hard rules of issue 9 restated from the programs' and sponsors' words,
 * independently of eligibility.ts: a second reading that rank, the pure rules
 * and a pool run must all agree with. Returns the rules the pair breaks.
 */
function brokenNewRules(newcomer: NewcomerProfile, sponsor: SponsorProfile, ctx: MatchingContext): string[] {
  const broken: string[] = [];
  const rules = ctx.programs.get(sponsor.program);
  if (rules === undefined) return ['unknown program'];
  const members = rules.memberGenders ?? [];
  if (members.length > 0 && (!members.includes(newcomer.gender) || !members.includes(sponsor.gender))) broken.push('member genders');
  if (rules.genderRule === 'same-required' && sponsor.gender !== newcomer.gender) broken.push('same gender required');
  if (rules.ownSponsor === 'required' && !sponsor.hasOwnSponsor) broken.push('own sponsor required');
  if (rules.minStepsCompleted !== undefined && sponsor.stepsCompleted < rules.minStepsCompleted) broken.push('minimum steps');
  const date = (p: { recoveryDate?: string; programSince?: string }) => (rules.timeCountedAs === 'program' ? p.programSince : p.recoveryDate);
  const sponsorDays = recoveryDays(date(sponsor), sponsor.timezone, ctx.now);
  if (sponsorDays < rules.minRecoveryDays) broken.push('program minimum');
  if (sponsorDays < recoveryDays(date(newcomer), newcomer.timezone, ctx.now) + rules.minRecoveryGapDays) broken.push('gap');
  if (sponsor.sponsorsGenders !== undefined && sponsor.sponsorsGenders.length > 0 && !sponsor.sponsorsGenders.includes(newcomer.gender)) {
    broken.push('sponsor genders');
  }
  if (sponsor.newcomerAgeBands !== undefined && sponsor.newcomerAgeBands.length > 0 && (newcomer.ageBand === undefined || !sponsor.newcomerAgeBands.includes(newcomer.ageBand))) {
    broken.push('sponsor age bands');
  }
  const sponsoring = sponsor.languagesForSponsoring?.length ? sponsor.languagesForSponsoring : sponsor.languages;
  if (!newcomer.languages.some((a) => sponsoring.some((b) => primaryLanguage(a) === primaryLanguage(b)))) broken.push('sponsor languages');
  const shared = newcomer.contactModes.filter((m) => sponsor.contactModes.includes(m));
  const asyncOk = newcomer.acceptsAsyncOnly === true && shared.includes('text');
  if (!asyncOk && overlapMinutes(newcomer, sponsor, weekStartOf(ctx.now)) === 0) broken.push('zero overlap');
  if (shared.length === 1 && shared[0] === 'in-person') {
    const near =
      newcomer.location !== undefined &&
      sponsor.location !== undefined &&
      haversineKm(newcomer.location, sponsor.location) <= (newcomer.maxDistanceKm ?? DEFAULT_MAX_DISTANCE_KM);
    if (!near) broken.push('in person, not known to be near');
  }
  return broken;
}

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
          expect(brokenNewRules(world.newcomer, sponsor, world.ctx), proposed.sponsorId).to.deep.equal([]);
        }
        // And the other way round: a pair the restated rules allow is not left out by a new rule.
        for (const s of world.sponsors) {
          if (brokenNewRules(world.newcomer, s, world.ctx).length > 0) expect(result.top.map((t) => t.sponsorId)).to.not.include(s.userId);
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
        const byId = new Map(world.sponsors.map((s) => [s.userId, s]));
        for (let i = 1; i < top.length; i++) {
          const a = top[i - 1]!;
          const b = top[i]!;
          // The stated tie rule: score, then fewer places in use, then earlier availableSince, then id.
          const key = (x: typeof a) => [x.score, world.ctx.usedPlaces(x.sponsorId), availableSinceMs(byId.get(x.sponsorId)!.availableSince), x.sponsorId] as const;
          const [sa, ua, ta, ia] = key(a);
          const [sb, ub, tb, ib] = key(b);
          expect(sa > sb || (sa === sb && (ua < ub || (ua === ub && (ta < tb || (ta === tb && ia < ib)))))).to.equal(true);
          expect(compareTied(sa, ua, ta, ia, sb, ub, tb, ib)).to.be.lessThan(0);
        }
      }),
      RUNS,
    );
  });

  it('when a sponsor\'s location is left out, then the pair never scores higher than with any known location', () => {
    fc.assert(
      fc.property(worldArb, (p) => {
        const world = buildWorld(p);
        for (const s of world.sponsors) {
          if (s.location === undefined) continue;
          const { location: _l, ...unknown } = s;
          expect(scorePair(world.newcomer, unknown, world.ctx).score, s.userId).to.be.at.most(scorePair(world.newcomer, s, world.ctx).score);
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
          if (s.recoveryDate !== undefined) expect(text).to.not.include(s.recoveryDate);
          if (s.bio !== undefined) expect(text).to.not.include(s.bio);
          for (const r of safe) {
            expect(['program', 'languages', 'recoveryGap', 'availability', 'contactModes', 'experiences']).to.include(r.factor);
          }
        }
      }),
      RUNS,
    );
  });

  it('when a pool run assigns newcomers to sponsors, then no chosen pair breaks a hard rule, old or new', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (p) => {
        // Arrange: a few newcomers of the same world, ranked on a snapshot as a run does.
        const world = buildWorld(p);
        const newcomers = syntheticNewcomers(6, p.seed ^ 0xabc, SAMPLE_NOW, { small: true, limits: true });
        const index = indexFor(world);
        const contexts = newcomers.map(() => world.ctx);

        // Act
        const pairs = await rankEligiblePairs(index.snapshot(), newcomers, contexts);
        const edges = Array.from({ length: pairs.edges.length }, (_, k) => [pairs.edges.newcomer[k]!, pairs.edges.sponsor[k]!, pairs.edges.score[k]!] as const);
        const result = assign({ newcomers: newcomers.length, capacities: pairs.capacities, edges });
        pairs.release();

        // Assert
        for (const [i, j] of result.pairs) {
          const newcomer = newcomers[i]!;
          const sponsor = world.sponsors.find((s) => s.userId === pairs.sponsorIds[j])!;
          expect(failingRules(newcomer, sponsor, world.ctx)).to.deep.equal([]);
          expect(brokenNewRules(newcomer, sponsor, world.ctx)).to.deep.equal([]);
        }
      }),
      { numRuns: 60 },
    );
  });
});
