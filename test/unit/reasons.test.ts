import { expect } from 'chai';
import fc from 'fast-check';
import { newcomerSafeReasons } from '../../src/matching/reasons.ts';
import { factorValues, pairFacts, scorePair } from '../../src/matching/scoring.ts';
import { isFromTable } from '../../src/matching/texts.ts';
import { FACTORS, type FactorName } from '../../src/matching/types.ts';
import {
  makeContext,
  makeNewcomer,
  makeSponsor,
  ruleVarietyPrograms,
  SAMPLE_NOW,
  seededRandom,
  syntheticNewcomer,
  syntheticSponsors,
} from '../support/profile-factories.ts';

// Honest explanations (issue 9): every word from the one table, a year on its
// anniversary in both views, and the same words never earning different points.

const SAMPLE_SEEDS = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** Scored pairs of a synthetic population, with each reason's factor value. */
function scoredPairs(seed: number) {
  const rng = seededRandom(seed);
  const sponsors = syntheticSponsors(25, seed, SAMPLE_NOW, { small: true, limits: true });
  const newcomers = Array.from({ length: 4 }, (_, i) => syntheticNewcomer(rng, `n${i}`, SAMPLE_NOW, { small: true, limits: true }));
  const ctx = makeContext({ programs: ruleVarietyPrograms() });
  return newcomers.flatMap((n) =>
    sponsors.map((s) => {
      const values = factorValues(pairFacts(n, s, ctx));
      return { scored: scorePair(n, s, ctx), valueOf: (f: FactorName) => values[FACTORS.indexOf(f)] as number };
    }),
  );
}

// Factors whose words name a category: equal words must mean an equal factor value. (Time, hours and
// kilometres are stated as rounded amounts; their words carry the amount itself.)
const CATEGORICAL: ReadonlySet<string> = new Set(['program', 'contactModes', 'experiences', 'age', 'orientation', 'lgbtqAffirming', 'freePlaces', 'ownSponsor', 'steps']);

describe('reasons: honest words', () => {
  it('when any pair of a synthetic population is explained, then every coordinator and newcomer text is a sentence of the table', () => {
    fc.assert(
      fc.property(SAMPLE_SEEDS, (seed) => {
        for (const { scored } of scoredPairs(seed)) {
          for (const r of scored.reasons) {
            expect(isFromTable(r.text), r.text).to.equal(true);
            if (r.newcomerText !== undefined) expect(isFromTable(r.newcomerText), r.newcomerText).to.equal(true);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('when two pairs get the same words for a factor, then the factor gave both the same points', () => {
    fc.assert(
      fc.property(SAMPLE_SEEDS, (seed) => {
        const seen = new Map<string, number>();
        for (const { scored, valueOf } of scoredPairs(seed)) {
          for (const r of scored.reasons) {
            if (!CATEGORICAL.has(r.factor)) continue;
            const key = `${r.factor}|${r.text}`;
            const value = valueOf(r.factor as FactorName);
            if (seen.has(key)) expect(value, key).to.equal(seen.get(key));
            else seen.set(key, value);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('when one sponsor gave no location and another is at a known distance, then "Location not given" never scores above the known distance', () => {
    const newcomer = makeNewcomer({ contactModes: ['phone', 'in-person'], location: { region: 'US-NY', lat: 40.72, lon: -74.0 } });
    const ctx = makeContext();
    const unknown = pairFacts(newcomer, makeSponsor({ contactModes: ['phone', 'in-person'], location: undefined }), ctx);
    const distanceOf = (facts: ReturnType<typeof pairFacts>) => factorValues(facts)[FACTORS.indexOf('distance')] as number;
    const unknownReason = scorePair(newcomer, makeSponsor({ contactModes: ['phone', 'in-person'], location: undefined }), ctx).reasons.find((r) => r.factor === 'distance');
    expect(unknownReason?.text).to.equal('Location not given');
    for (const lat of [40.73, 40.9, 41.1, 41.5, 45]) {
      const known = pairFacts(newcomer, makeSponsor({ contactModes: ['phone', 'in-person'], location: { region: 'US-NY', lat, lon: -74.0 } }), ctx);
      expect(distanceOf(unknown), `at latitude ${lat}`).to.be.at.most(distanceOf(known));
    }
  });

  it('when the sponsor is within reach in person, then the words say so with the newcomer’s limit; beyond it, in person is never claimed', () => {
    const newcomer = makeNewcomer({ contactModes: ['phone', 'in-person'], location: { region: 'US-NY', lat: 40.72, lon: -74.0 } });
    const near = scorePair(newcomer, makeSponsor({ contactModes: ['phone', 'in-person'], location: { region: 'US-NY', lat: 40.9, lon: -74.0 } }), makeContext());
    expect(near.reasons.find((r) => r.factor === 'distance')?.text).to.equal('About 20 km apart, within the newcomer’s 50 km');
    expect(near.reasons.find((r) => r.factor === 'contactModes')?.newcomerText).to.equal('Can meet in person, or keep in touch by phone');
    const far = scorePair(newcomer, makeSponsor({ contactModes: ['phone', 'in-person'], location: { region: 'US-MA', lat: 42.36, lon: -71.06 } }), makeContext());
    const modes = far.reasons.find((r) => r.factor === 'contactModes');
    expect(modes?.newcomerText).to.equal('Can keep in touch by phone');
    expect(modes?.text).to.equal('Can keep in touch by phone; both would meet in person, but live more than 50 km apart (1 of the newcomer’s 2 ways of keeping in touch)');
  });

  it('when the same ways of keeping in touch earn fewer points, then the coordinator’s words say why', () => {
    const one = scorePair(makeNewcomer({ contactModes: ['phone'] }), makeSponsor({ contactModes: ['phone'] }), makeContext());
    const two = scorePair(makeNewcomer({ contactModes: ['phone', 'text'] }), makeSponsor({ contactModes: ['phone'] }), makeContext());
    const textOf = (s: typeof one) => s.reasons.find((r) => r.factor === 'contactModes')?.text;
    expect(textOf(one)).to.equal('Can keep in touch by phone');
    expect(textOf(two)).to.equal('Can keep in touch by phone (1 of the newcomer’s 2 ways of keeping in touch)');
  });

  it('when one experience is shared of several the newcomer listed, then the coordinator reads that full points take two', () => {
    const { reasons } = scorePair(makeNewcomer({ experiences: ['alcohol', 'lgbtq', 'veteran'] }), makeSponsor({ experiences: ['lgbtq'], experiencesOnCard: ['lgbtq'] }), makeContext());
    const r = reasons.find((x) => x.factor === 'experiences');
    expect(r?.text).to.equal('Shared experience: LGBTQ+ (full points take 2 in common)');
    expect(r?.newcomerText).to.equal('Shared experience: LGBTQ+');
  });

  it('when the shared experience is co-occurring mental health, then it reads by its display name', () => {
    const { reasons } = scorePair(
      makeNewcomer({ experiences: ['co-occurring-mental-health'] }),
      makeSponsor({ experiences: ['co-occurring-mental-health'], experiencesOnCard: ['co-occurring-mental-health'] }),
      makeContext(),
    );
    expect(newcomerSafeReasons(reasons).find((r) => r.factor === 'experiences')?.text).to.equal('Shared experience: co-occurring mental health');
  });

  it('when the overlap is 200 minutes, then it reads "about 3 hours a week in common", and under 3 hours the coordinator reads where full points start', () => {
    const at = (start: string, end: string) =>
      scorePair(makeNewcomer({ availability: [{ day: 'mon', start, end }] }), makeSponsor({ availability: [{ day: 'mon', start: '12:00', end: '23:00' }] }), makeContext()).reasons.find(
        (r) => r.factor === 'availability',
      );
    expect(at('13:00', '16:20')?.text).to.equal('about 3 hours a week in common');
    const short = at('13:00', '13:30');
    expect(short?.text).to.equal('about 30 minutes a week in common (full points from 3 hours)');
    expect(short?.newcomerText).to.equal('about 30 minutes a week in common');
  });

  describe('anniversaries: a year reads the same to the newcomer and to the coordinator', () => {
    // SAMPLE_NOW is 2025-03-12 15:00 UTC: 11:00 in New York, 02:00 on March 13 in Sydney.
    const rows: Array<[string, string, string, string, string]> = [
      ['on the first anniversary', '2024-03-12', 'America/New_York', '1 year of recovery', '1 year of recovery'],
      ['the day before it', '2024-03-13', 'America/New_York', 'Less than a year of recovery', '11 months of recovery'],
      ['on the anniversary in Sydney, still the day before in New York', '2024-03-13', 'Australia/Sydney', '1 year of recovery', '1 year of recovery'],
      ['on the fifth anniversary, 1,826 days after (two February 29s)', '2020-03-12', 'America/New_York', '5 years of recovery', '5 years of recovery'],
    ];
    for (const [when, date, zone, newcomerText, coordinatorStart] of rows) {
      it(`when it is ${when} (${date}, ${zone}), then the newcomer reads '${newcomerText}' and the coordinator '${coordinatorStart}…'`, () => {
        const { reasons } = scorePair(makeNewcomer({ recoveryDate: undefined }), makeSponsor({ recoveryDate: date, timezone: zone }), makeContext());
        const r = reasons.find((x) => x.factor === 'recoveryGap')!;
        expect(r.newcomerText).to.equal(newcomerText);
        expect(r.text.startsWith(`${coordinatorStart},`)).to.equal(true, r.text);
      });
    }

    it('when a sponsor’s date is February 29, then the year is complete on February 28 of a common year, in both views', () => {
      const ctx = makeContext({ now: Date.parse('2025-02-28T18:00:00Z') });
      const { reasons } = scorePair(makeNewcomer({ recoveryDate: undefined }), makeSponsor({ recoveryDate: '2024-02-29' }), ctx);
      const r = reasons.find((x) => x.factor === 'recoveryGap')!;
      expect(r.newcomerText).to.equal('1 year of recovery');
      expect(r.text).to.match(/^1 year of recovery,/);
    });

    it('when the program counts time in the program, then the words say "in" the program, never "recovery"', () => {
      const ctx = makeContext({ programs: ruleVarietyPrograms() });
      const { reasons } = scorePair(
        makeNewcomer({ program: 'na', programSince: '2025-03-01' }),
        makeSponsor({ program: 'na', programSince: '2019-03-12', recoveryDate: undefined }),
        ctx,
      );
      const r = reasons.find((x) => x.factor === 'recoveryGap')!;
      expect(r.newcomerText).to.equal('6 years in Narcotics Anonymous');
      expect(r.text).to.match(/^6 years in Narcotics Anonymous, /);
      expect(`${r.text} ${r.newcomerText}`).not.to.include('recovery');
    });
  });
});
