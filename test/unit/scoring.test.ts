import { expect } from 'chai';
import { contactModesText, durationText, hoursText, newcomerSafeReasons } from '../../src/matching/reasons.ts';
import {
  ageBandMask,
  ageFactor,
  availabilityFactor,
  combineFactors,
  contactModesFactor,
  distanceFactor,
  experiencesFactor,
  freePlacesFactor,
  lgbtqAffirmingFactor,
  orientationFactor,
  ownSponsorFactor,
  programFactor,
  stepsFactor,
  recoveryGapFactor,
  scorePair,
  weightVector,
} from '../../src/matching/scoring.ts';
import { DEFAULT_WEIGHTS, type ContactMode, type MatchingWeights } from '../../src/matching/types.ts';
import { daysAgo, makeContext, makeNewcomer, makeSponsor, SAMPLE_NOW } from '../support/profile-factories.ts';

const NA = NaN;

function table(name: string, rows: [string, () => number, number][]): void {
  describe(name, () => {
    for (const [when, act, expected] of rows) {
      it(`when ${when}, then it is ${expected}`, () => {
        const value = act();
        if (Number.isNaN(expected)) expect(value).to.be.NaN;
        else expect(value).to.be.closeTo(expected, 1e-12);
      });
    }
  });
}

const onlyWeight = (factor: keyof MatchingWeights): MatchingWeights => {
  const w = Object.fromEntries(Object.keys(DEFAULT_WEIGHTS).map((k) => [k, 0])) as unknown as MatchingWeights;
  w[factor] = 1;
  return w;
};

describe('scoring', () => {
  describe('factors', () => {
    table('program', [
      ['both are in the same program', () => programFactor(true, true), 1],
      ['the sponsor is in an accepted program of the same family', () => programFactor(false, true), 0.7],
      ['the sponsor is in an accepted program of another family', () => programFactor(false, false), 0.4],
    ]);
    table('recoveryGap', [
      ['the sponsor has no more time than the newcomer', () => recoveryGapFactor(100, 100), 0],
      ['the sponsor is half a year ahead', () => recoveryGapFactor(182.5 + 30, 30), 0.5],
      // Saturates early: 13 months for a newcomer of a month scores as 5 years does.
      ['the sponsor has 13 months and the newcomer 1', () => recoveryGapFactor(395, 30), 1],
      ['the sponsor is 2.5 years ahead', () => recoveryGapFactor(912.5 + 30, 30), 1],
      ['the sponsor is 5 years ahead', () => recoveryGapFactor(5 * 365, 0), 1],
      ['the sponsor is 20 years ahead (saturated)', () => recoveryGapFactor(20 * 365, 0), 1],
    ]);
    table('availability', [
      ['no minutes in common', () => availabilityFactor(0), 0],
      ['1.5 h in common', () => availabilityFactor(90), 0.5],
      ['3 h in common', () => availabilityFactor(180), 1],
      ['10 h in common (saturated)', () => availabilityFactor(600), 1],
    ]);
    table('contactModes', [
      ['the sponsor offers 1 of the newcomer’s 2 modes', () => contactModesFactor(1, 2), 0.5],
      ['the sponsor offers all of them', () => contactModesFactor(3, 3), 1],
    ]);
    table('experiences', [
      ['the newcomer listed none (neutral)', () => experiencesFactor(0, 0), NA],
      ['the one experience listed is shared', () => experiencesFactor(1, 1), 1],
      ['1 of 3 is shared', () => experiencesFactor(1, 3), 0.5],
      ['2 of 3 are shared', () => experiencesFactor(2, 3), 1],
      ['none of 3 is shared', () => experiencesFactor(0, 3), 0],
    ]);
    table('age', [
      ['the newcomer has no preference (neutral)', () => ageFactor(0, 2), NA],
      ['the sponsor is in a preferred band', () => ageFactor(ageBandMask(['35-44']), 2), 1],
      ['the sponsor is one band away', () => ageFactor(ageBandMask(['35-44']), 3), 0.5],
      ['the sponsor is far from the preferred bands', () => ageFactor(ageBandMask(['18-24']), 5), 0],
      ['the sponsor gave no age band', () => ageFactor(ageBandMask(['18-24']), -1), 0.5],
    ]);
    table('orientation', [
      ['both are secular', () => orientationFactor(2, 2), 1],
      ['one is spiritual and one religious', () => orientationFactor(1, 0), 0.5],
      ['one is religious and one secular', () => orientationFactor(0, 2), 0],
    ]);
    table('lgbtqAffirming', [
      ['the newcomer did not ask (neutral)', () => lgbtqAffirmingFactor(false, false), NA],
      ['the newcomer asked and the sponsor is affirming', () => lgbtqAffirmingFactor(true, true), 1],
      ['the newcomer asked and the sponsor is not listed as affirming', () => lgbtqAffirmingFactor(true, false), 0],
    ]);
    table('distance', [
      ['the newcomer would not meet in person (neutral)', () => distanceFactor(false, true, 3, 50), NA],
      ['the sponsor does not meet in person', () => distanceFactor(true, false, 3, 50), 0],
      // An unknown distance never outscores a known one, however far within reach.
      ['the sponsor gave no location', () => distanceFactor(true, true, NaN, 50), 0],
      ['the sponsor is 49 km away of 50', () => distanceFactor(true, true, 49, 50), 0.02],
      ['they are 10 km apart with a 50 km limit', () => distanceFactor(true, true, 10, 50), 0.8],
      ['they are beyond the limit', () => distanceFactor(true, true, 80, 50), 0],
    ]);
    table('freePlaces', [
      ['all 3 places are free', () => freePlacesFactor(3, 3), 1],
      ['1 of 4 is free', () => freePlacesFactor(1, 4), 0.25],
      ['none is free', () => freePlacesFactor(0, 2), 0],
    ]);
    table('ownSponsor', [
      ['the program does not prefer it', () => ownSponsorFactor(false, true), NA],
      ['preferred and the sponsor has one', () => ownSponsorFactor(true, true), 1],
      ['preferred and the sponsor has none', () => ownSponsorFactor(true, false), 0],
    ]);
    table('steps', [
      ['the program does not prefer completed steps', () => stepsFactor(false, 12), NA],
      ['preferred and all 12 are completed', () => stepsFactor(true, 12), 1],
      ['preferred and 3 are completed', () => stepsFactor(true, 3), 0.25],
      ['preferred and none is completed', () => stepsFactor(true, 0), 0],
    ]);
  });

  describe('combineFactors', () => {
    it('when a factor does not apply, then it leaves both sums', () => {
      const values = [1, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN];
      expect(combineFactors(values, [1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5])).to.equal(50);
    });

    it('when every weight is 0, then the score is 0', () => {
      expect(combineFactors(new Array(12).fill(1), new Array(12).fill(0))).to.equal(0);
    });

    it('when the exact score has many decimals, then it is rounded to one', () => {
      expect(combineFactors([1, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])).to.equal(33.3);
    });

    it('when a weight is negative or not a number, then it counts as 0', () => {
      const w = weightVector({ ...DEFAULT_WEIGHTS, program: -3, age: Number.NaN, distance: Infinity });
      expect([...w]).to.deep.equal([0, 2, 3, 1, 2, 0, 2, 2, 0, 1, 1, 1]);
    });
  });

  describe('scorePair', () => {
    it('when the default pair is scored, then the score is the weighted mean of the factors that apply', () => {
      // program 1·3, recoveryGap 1·2, availability 0.5·3 (90 min), contactModes 1·1,
      // experiences 1·2, orientation 1·2, freePlaces 1·1; age, affirming, distance do not apply.
      const scored = scorePair(makeNewcomer(), makeSponsor(), makeContext());
      expect(scored.sponsorId).to.equal('sponsor-1');
      expect(scored.score).to.equal(89.3);
    });

    it('when only one factor weighs, then the score is that factor alone', () => {
      const ctx = makeContext({ weights: { aa: onlyWeight('availability') } });
      expect(scorePair(makeNewcomer(), makeSponsor(), ctx).score).to.equal(50);
    });

    it('when the sponsor is in another program, then the weights are the sponsor program’s', () => {
      const ctx = makeContext({ weights: { smart: onlyWeight('program') } });
      const scored = scorePair(makeNewcomer({ acceptedPrograms: ['smart'] }), makeSponsor({ program: 'smart' }), ctx);
      expect(scored.score).to.equal(40);
    });

    it('when the same pair is scored twice, then the outcome is identical', () => {
      const a = scorePair(makeNewcomer(), makeSponsor(), makeContext());
      const b = scorePair(makeNewcomer(), makeSponsor(), makeContext());
      expect(a).to.deep.equal(b);
    });
  });

  describe('reasons', () => {
    it('when the default pair is scored, then the reasons read plainly, program and languages first', () => {
      const { reasons } = scorePair(makeNewcomer(), makeSponsor(), makeContext());
      expect(reasons.map((r) => r.text)).to.deep.equal([
        'Both in Alcoholics Anonymous',
        'Both speak English',
        // 6 × 365 days span two February 29s: not yet the sixth anniversary.
        '5 years of recovery, 5 years more than the newcomer; program minimum 1 year',
        'Shared experience: alcohol',
        'Both take a spiritual approach',
        'about an hour and a half a week in common (full points from 3 hours)',
        'Can keep in touch by phone',
        '3 of 3 places free',
      ]);
      const total = reasons.reduce((s, r) => s + r.contribution, 0);
      expect(total).to.be.closeTo(89.3, 0.3);
    });

    it('when both speak Spanish, then a reason says so', () => {
      const { reasons } = scorePair(makeNewcomer({ languages: ['es-MX'] }), makeSponsor({ languages: ['es'] }), makeContext());
      expect(reasons.find((r) => r.factor === 'languages')?.text).to.equal('Both speak Spanish');
    });

    it('when the sponsor is a mentor in an accepted program, then the reason names the role and the program', () => {
      const { reasons } = scorePair(makeNewcomer({ acceptedPrograms: ['smart'] }), makeSponsor({ program: 'smart' }), makeContext());
      expect(reasons[0]?.text).to.equal('Mentor in SMART Recovery, an accepted program of a different kind');
      expect(reasons[0]?.newcomerText).to.equal('Mentor in SMART Recovery, an accepted program');
    });

    it('when reasons go to a newcomer, then only program, languages, time, availability, modes and card experiences remain', () => {
      // Arrange: the shared experiences are alcohol (on the card) and parent (not on it).
      const newcomer = makeNewcomer({
        experiences: ['alcohol', 'parent'],
        wantsLgbtqAffirming: true,
        preferredAgeBands: ['35-44'],
        contactModes: ['phone', 'in-person'],
        location: { region: 'US-NY', lat: 40.72, lon: -74.0 },
      });
      const sponsor = makeSponsor({ bio: 'I got sober in 2019 in Brooklyn.', contactModes: ['phone', 'in-person'] });

      // Act
      const { reasons } = scorePair(newcomer, sponsor, makeContext());
      const safe = newcomerSafeReasons(reasons);

      // Assert
      expect(safe.map((r) => r.factor).sort()).to.deep.equal(['availability', 'contactModes', 'experiences', 'languages', 'program', 'recoveryGap']);
      expect(safe.find((r) => r.factor === 'experiences')?.text).to.equal('Shared experience: alcohol');
      const all = JSON.stringify(safe);
      for (const secret of ['parent', 'affirming', 'Age', 'km', 'approach', sponsor.recoveryDate, 'Brooklyn', 'places']) {
        expect(all).to.not.include(secret);
      }
      expect(safe.every((r) => !('contribution' in r))).to.equal(true);
    });

    it('when the only shared experience is not on the sponsor card, then the newcomer sees no experience reason', () => {
      const { reasons } = scorePair(makeNewcomer({ experiences: ['parent'] }), makeSponsor(), makeContext());
      expect(reasons.find((r) => r.factor === 'experiences')?.text).to.equal('Shared experience: being a parent');
      expect(newcomerSafeReasons(reasons).map((r) => r.factor)).to.not.include('experiences');
    });

    it('when the sponsor’s recovery date was reset recently, then the words stay factual and kind', () => {
      const sponsor = makeSponsor({ recoveryDate: daysAgo(SAMPLE_NOW, 400), program: 'smart' });
      const { reasons } = scorePair(makeNewcomer({ acceptedPrograms: ['smart'], recoveryDate: undefined }), sponsor, makeContext());
      const text = reasons.map((r) => r.text).join(' | ');
      expect(text).to.include('1 year and 1 month of recovery, 1 year and 1 month more than the newcomer; program minimum 180 days');
      expect(text).to.not.match(/relapse|reset|only|lost|fail|again/i);
    });

    const durations: [number, string][] = [[1, '1 day'], [45, '45 days'], [180, '5 months'], [365, '1 year'], [400, '1 year and 1 month'], [730, '2 years'], [2191, '6 years'], [3650, '9 years']];
    for (const [days, text] of durations) {
      it(`when the duration is ${days} days, then it reads '${text}'`, () => {
        expect(durationText(days)).to.equal(text);
      });
    }

    const modes: [ContactMode[], string][] = [
      [['phone'], 'Can keep in touch by phone'],
      [['phone', 'video', 'text'], 'Can keep in touch by phone, video or text'],
      [['in-person'], 'Can meet in person'],
      [['text', 'in-person'], 'Can meet in person, or keep in touch by text'],
    ];
    for (const [shared, text] of modes) {
      it(`when they share ${shared.join(' and ')}, then it reads '${text}'`, () => {
        expect(contactModesText(shared)).to.equal(text);
      });
    }

    const hours: [number, string][] = [[45, 'about 45 minutes'], [60, 'about an hour'], [210, 'about 4 hours'], [225, 'about 4 hours']];
    for (const [minutes, text] of hours) {
      it(`when ${minutes} minutes are in common, then it reads '${text}'`, () => {
        expect(hoursText(minutes)).to.equal(text);
      });
    }
  });
});
