import { expect } from 'chai';
import { acceptedSponsorGenders, failingRules, firstFailingRule, primaryLanguage } from '../../src/matching/eligibility.ts';
import type { NewcomerProfile, PairEvent, ProgramRules, RuleName, SponsorProfile } from '../../src/matching/types.ts';
import { daysAgo, makeContext, makeNewcomer, makeSponsor, samplePrograms, SAMPLE_NOW, type ContextData } from '../support/profile-factories.ts';

const DAY_MS = 86_400_000;

interface Case {
  when: string;
  newcomer?: Partial<NewcomerProfile>;
  sponsor?: Partial<SponsorProfile>;
  context?: ContextData;
  rule: RuleName | null;
}

const history = (...events: PairEvent[]): ContextData => ({ history: new Map([['newcomer-1|sponsor-1', events]]) });
const la = { region: 'US-CA', lat: 34.05, lon: -118.24 };
const nyc = { region: 'US-NY', lat: 40.71, lon: -74.0 };
// About 60 km and 40 km north of the newcomer.
const km60 = { region: 'US-NY', lat: 40.71 + 60 / 111.2, lon: -74.0 };
const km40 = { region: 'US-NY', lat: 40.71 + 40 / 111.2, lon: -74.0 };
const inPersonOnly = { contactModes: ['in-person' as const] };

/** The sample programs with one program's rules changed. */
function withRules(key: string, over: Partial<ProgramRules>): Map<string, ProgramRules> {
  const programs = samplePrograms();
  programs.set(key, { ...programs.get(key)!, ...over });
  return programs;
}

// In the order the rules are checked; each row changes only what it is about.
const cases: Case[] = [
  { when: 'the pair is the default match', rule: null },
  { when: 'the sponsor profile is the newcomer themself', sponsor: { userId: 'newcomer-1' }, rule: 'same-person' },

  { when: 'the sponsor is in a program the newcomer did not choose', sponsor: { program: 'smart' }, rule: 'program-not-accepted' },
  { when: 'the sponsor is in a program the newcomer accepts', sponsor: { program: 'smart' }, newcomer: { acceptedPrograms: ['smart'] }, rule: null },
  { when: 'the sponsor program has no rules in this deployment', sponsor: { program: 'xyz' }, newcomer: { acceptedPrograms: ['xyz'] }, rule: 'unknown-program' },

  { when: 'a man lists a women-only program among those he accepts', sponsor: { program: 'wfs', gender: 'woman' }, newcomer: { gender: 'man', acceptedPrograms: ['wfs'] }, context: { programs: withRules('wfs', { memberGenders: ['woman'] }) }, rule: 'program-member-genders' },
  { when: 'the sponsor is outside a program’s member genders', sponsor: { program: 'wfs', gender: 'man' }, newcomer: { acceptedPrograms: ['wfs'] }, context: { programs: withRules('wfs', { memberGenders: ['woman'] }) }, rule: 'program-member-genders' },
  { when: 'both are women in a women-only program', sponsor: { program: 'wfs' }, newcomer: { acceptedPrograms: ['wfs'] }, context: { programs: withRules('wfs', { memberGenders: ['woman'] }) }, rule: null },

  { when: 'the sponsor is not accepting newcomers', sponsor: { acceptingNewcomers: false }, rule: 'not-accepting' },

  { when: 'every place is used', sponsor: { capacity: 2 }, context: { used: new Map([['sponsor-1', 2]]) }, rule: 'at-capacity' },
  { when: 'one place is left', sponsor: { capacity: 2 }, context: { used: new Map([['sponsor-1', 1]]) }, rule: null },

  { when: 'the pair ended years ago', context: history({ kind: 'ended', at: SAMPLE_NOW - 900 * DAY_MS }), rule: 'pair-blocked' },
  { when: 'one of them blocked the other', context: history({ kind: 'blocked', at: SAMPLE_NOW - 900 * DAY_MS }), rule: 'pair-blocked' },
  { when: 'the sponsor declined 10 days ago', context: history({ kind: 'declined', at: SAMPLE_NOW - 10 * DAY_MS }), rule: 'pair-blocked' },
  { when: 'a coordinator rejected the pair 89 days ago', context: history({ kind: 'rejected', at: SAMPLE_NOW - 89 * DAY_MS }), rule: 'pair-blocked' },
  { when: 'the sponsor declined 91 days ago', context: history({ kind: 'declined', at: SAMPLE_NOW - 91 * DAY_MS }), rule: null },
  { when: 'the cooldown is set to 7 days and the decline was 8 days ago', context: { ...history({ kind: 'declined', at: SAMPLE_NOW - 8 * DAY_MS }), pairCooldownDays: 7 }, rule: null },

  { when: 'the sponsor has 300 days and the program asks 1 year', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 300) }, newcomer: { recoveryDate: undefined }, rule: 'below-program-minimum' },
  { when: 'the sponsor has exactly the program minimum', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 365) }, newcomer: { recoveryDate: undefined }, rule: null },
  { when: 'the minimum is the sponsor program’s (SMART, 180 days)', sponsor: { program: 'smart', recoveryDate: daysAgo(SAMPLE_NOW, 200) }, newcomer: { acceptedPrograms: ['smart'], recoveryDate: undefined }, rule: null },

  { when: 'the newcomer has more recovery than the sponsor', newcomer: { recoveryDate: daysAgo(SAMPLE_NOW, 7 * 365) }, rule: 'not-more-recovery-than-newcomer' },
  { when: 'the sponsor is ahead but by less than the gap (180 days)', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 500) }, newcomer: { recoveryDate: daysAgo(SAMPLE_NOW, 330) }, rule: 'not-more-recovery-than-newcomer' },
  { when: 'the sponsor is ahead by exactly the gap', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 500) }, newcomer: { recoveryDate: daysAgo(SAMPLE_NOW, 320) }, rule: null },
  { when: 'the newcomer gave no recovery date (0 days)', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 365) }, newcomer: { recoveryDate: undefined }, rule: null },

  { when: 'the program asks sponsors to have a sponsor and this one has none', sponsor: { hasOwnSponsor: false }, rule: 'no-own-sponsor' },
  { when: 'the program does not ask for it', sponsor: { program: 'smart', hasOwnSponsor: false }, newcomer: { acceptedPrograms: ['smart'] }, rule: null },
  { when: 'the program only prefers an own sponsor (a soft factor)', sponsor: { hasOwnSponsor: false }, context: { programs: withRules('aa', { ownSponsor: 'preferred' }) }, rule: null },

  { when: 'the program asks for all 12 steps and the sponsor completed 11', sponsor: { stepsCompleted: 11 }, context: { programs: withRules('aa', { minStepsCompleted: 12 }) }, rule: 'too-few-steps' },
  { when: 'the program asks for all 12 steps and the sponsor completed them', sponsor: { stepsCompleted: 12 }, context: { programs: withRules('aa', { minStepsCompleted: 12 }) }, rule: null },
  { when: 'the program only prefers completed steps (a soft factor)', sponsor: { stepsCompleted: 0 }, context: { programs: withRules('aa', { completedStepsPreferred: true }) }, rule: null },

  { when: 'they share no language', sponsor: { languages: ['es'] }, rule: 'no-shared-language' },
  { when: 'they share a language in different regional forms', sponsor: { languages: ['es', 'EN-gb'] }, newcomer: { languages: ['en'] }, rule: null },
  { when: 'they share a language the sponsor does not sponsor in', sponsor: { languages: ['es', 'en'], languagesForSponsoring: ['es'] }, rule: 'sponsor-languages-limit' },
  { when: 'the sponsor sponsors in the shared language', sponsor: { languages: ['es', 'en-US'], languagesForSponsoring: ['en'] }, rule: null },

  { when: 'a woman in a same-gender-by-default program meets a man', sponsor: { gender: 'man' }, rule: 'gender-rule' },
  { when: 'she said any gender is fine', sponsor: { gender: 'man' }, newcomer: { sponsorGenderPreference: 'any' }, rule: null },
  { when: 'the program has no gender rule', sponsor: { program: 'smart', gender: 'man' }, newcomer: { acceptedPrograms: ['smart'] }, rule: null },
  { when: 'the newcomer is non-binary (default: any gender)', sponsor: { gender: 'man' }, newcomer: { gender: 'non-binary' }, rule: null },
  { when: 'the newcomer asked for a non-binary sponsor and meets a woman', newcomer: { sponsorGenderPreference: ['non-binary'] }, rule: 'gender-rule' },
  { when: 'the newcomer asked for the same gender in a program without a rule', sponsor: { program: 'smart', gender: 'man' }, newcomer: { acceptedPrograms: ['smart'], sponsorGenderPreference: 'same' }, rule: 'gender-rule' },
  { when: 'the program requires the same gender and the newcomer said any', sponsor: { gender: 'man' }, newcomer: { sponsorGenderPreference: 'any' }, context: { programs: withRules('aa', { genderRule: 'same-required' }) }, rule: 'gender-rule' },
  { when: 'the program requires the same gender and a non-binary newcomer meets a woman', newcomer: { gender: 'non-binary' }, context: { programs: withRules('aa', { genderRule: 'same-required' }) }, rule: 'gender-rule' },
  { when: 'the program requires the same gender and both are women', context: { programs: withRules('aa', { genderRule: 'same-required' }) }, rule: null },

  { when: 'the sponsor sponsors only men and the newcomer is a woman', sponsor: { sponsorsGenders: ['man'] }, rule: 'sponsor-genders-limit' },
  { when: 'the sponsor sponsors women and non-binary people', sponsor: { sponsorsGenders: ['woman', 'non-binary'] }, rule: null },
  { when: 'the sponsor sponsors only 18-24 and the newcomer is 35-44', sponsor: { newcomerAgeBands: ['18-24'] }, newcomer: { ageBand: '35-44' }, rule: 'sponsor-age-limit' },
  { when: 'the sponsor limits ages and the newcomer gave none', sponsor: { newcomerAgeBands: ['18-24'] }, newcomer: { ageBand: undefined }, rule: 'sponsor-age-limit' },
  { when: 'the newcomer is in an age band the sponsor sponsors', sponsor: { newcomerAgeBands: ['18-24', '35-44'] }, newcomer: { ageBand: '35-44' }, rule: null },

  { when: 'the newcomer requires a secular approach and the sponsor is spiritual', newcomer: { spiritualOrientation: 'secular', orientationMustMatch: true }, rule: 'orientation-required' },
  { when: 'the approaches differ but the newcomer does not require a match', newcomer: { spiritualOrientation: 'secular' }, rule: null },

  { when: 'they share no contact mode', sponsor: { contactModes: ['video'] }, rule: 'no-shared-contact-mode' },

  { when: 'they have no hour in common', sponsor: { availability: [{ day: 'tue', start: '18:00', end: '21:00' }] }, rule: 'no-availability-overlap' },
  { when: 'they have no hour in common and both text, but the newcomer did not accept asynchronous contact', sponsor: { availability: [{ day: 'tue', start: '18:00', end: '21:00' }], contactModes: ['text'] }, newcomer: { contactModes: ['text', 'phone'] }, rule: 'no-availability-overlap' },
  { when: 'they have no hour in common, both text, and the newcomer accepts asynchronous contact', sponsor: { availability: [{ day: 'tue', start: '18:00', end: '21:00' }], contactModes: ['text'] }, newcomer: { contactModes: ['text', 'phone'], acceptsAsyncOnly: true }, rule: null },
  { when: 'they have no hour in common and the newcomer accepts asynchronous contact, but they share no text', sponsor: { availability: [{ day: 'tue', start: '18:00', end: '21:00' }] }, newcomer: { acceptsAsyncOnly: true }, rule: 'no-availability-overlap' },

  { when: 'meeting in person is their only way and they are 60 km apart (default limit 50 km)', sponsor: { ...inPersonOnly, location: km60 }, newcomer: { ...inPersonOnly, location: nyc }, rule: 'too-far' },
  { when: 'meeting in person is their only way and they are 40 km apart', sponsor: { ...inPersonOnly, location: km40 }, newcomer: { ...inPersonOnly, location: nyc }, rule: null },
  { when: 'the newcomer would travel 70 km', sponsor: { ...inPersonOnly, location: km60 }, newcomer: { ...inPersonOnly, location: nyc, maxDistanceKm: 70 }, rule: null },
  { when: 'they are across the country but can also talk by phone', sponsor: { contactModes: ['in-person', 'phone'], location: la }, newcomer: { contactModes: ['in-person', 'phone'], location: nyc }, rule: null },
  { when: 'meeting in person is their only way and the newcomer gave no location', sponsor: { ...inPersonOnly, location: la }, newcomer: { ...inPersonOnly }, rule: 'in-person-distance-unknown' },
  { when: 'meeting in person is their only way and the sponsor gave no location', sponsor: { ...inPersonOnly, location: undefined }, newcomer: { ...inPersonOnly, location: nyc }, rule: 'in-person-distance-unknown' },
  { when: 'the newcomer gave no location but they can also talk by phone', sponsor: { contactModes: ['in-person', 'phone'], location: la }, newcomer: { contactModes: ['in-person', 'phone'] }, rule: null },
];

describe('eligibility', () => {
  describe('firstFailingRule, one rule at a time in order', () => {
    for (const c of cases) {
      it(`when ${c.when}, then ${c.rule === null ? 'the sponsor is eligible' : `the pair fails '${c.rule}'`}`, () => {
        // Arrange
        const newcomer = makeNewcomer(c.newcomer);
        const sponsor = makeSponsor(c.sponsor);
        const ctx = makeContext(c.context);

        // Act
        const first = firstFailingRule(newcomer, sponsor, ctx);
        const all = failingRules(newcomer, sponsor, ctx);

        // Assert
        expect(first).to.equal(c.rule);
        expect(all).to.deep.equal(c.rule === null ? [] : [c.rule]);
      });
    }
  });

  describe('several failures', () => {
    it('when a pair fails several rules, then the first is the earliest in rule order and all are listed in order', () => {
      const newcomer = makeNewcomer({ ...inPersonOnly, location: nyc, spiritualOrientation: 'secular', orientationMustMatch: true });
      const sponsor = makeSponsor({ ...inPersonOnly, location: la, languages: ['fr'], gender: 'man', acceptingNewcomers: false });
      const ctx = makeContext({ used: new Map([['sponsor-1', 3]]) });

      expect(firstFailingRule(newcomer, sponsor, ctx)).to.equal('not-accepting');
      expect(failingRules(newcomer, sponsor, ctx)).to.deep.equal([
        'not-accepting',
        'at-capacity',
        'no-shared-language',
        'gender-rule',
        'orientation-required',
        'too-far',
      ]);
    });
  });

  describe('helpers', () => {
    const tags: [string, string][] = [['en-GB', 'en'], ['EN', 'en'], ['zh-Hant-TW', 'zh'], ['pt_BR', 'pt'], ['yue', 'yue']];
    for (const [tag, primary] of tags) {
      it(`when the tag is ${tag}, then the primary language is ${primary}`, () => {
        expect(primaryLanguage(tag)).to.equal(primary);
      });
    }

    it('when a newcomer gives an empty list of genders, then any gender is accepted', () => {
      expect(acceptedSponsorGenders({ gender: 'man', sponsorGenderPreference: [] }, 'same-gender-by-default')).to.equal('any');
    });
  });
});
