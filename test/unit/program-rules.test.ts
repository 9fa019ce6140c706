import { expect } from 'chai';
import { countedTimeDays, failingRules } from '../../src/matching/eligibility.ts';
import { scorePair } from '../../src/matching/scoring.ts';
import { roleWordOf } from '../../src/programs/program-rules.ts';
import { SEED_PROGRAMS } from '../../src/programs/program-seed.ts';
import type { NewcomerProfile, ProgramRules, RuleName, SponsorProfile } from '../../src/matching/types.ts';
import { daysAgo, makeContext, makeNewcomer, makeSponsor, SAMPLE_NOW } from '../support/profile-factories.ts';

// Each seeded program's rules, as the seed records them from the program's own
// literature (src/programs/program-seed.ts, docs/program-rules-sources.md): the
// first source of each program is named in every test title.

const seeded = new Map<string, ProgramRules>(SEED_PROGRAMS.map((p) => [p.key, { ...p, roleWord: roleWordOf(p.pairing) }]));
const ctx = makeContext({ programs: seeded });
const sourceOf = (key: string) => SEED_PROGRAMS.find((p) => p.key === key)!.sources[0]!.title;
const nameOf = (key: string) => SEED_PROGRAMS.find((p) => p.key === key)!.name;

interface Case {
  when: string;
  sponsor?: Partial<SponsorProfile>;
  newcomer?: Partial<NewcomerProfile>;
  /** The hard rules failed, in order (empty: eligible). */
  rules: RuleName[];
}

// A pair that matches in any seeded program: both women, a year and a half
// apart, all 12 steps, an own sponsor, a shared language, hours and phone.
function pair(key: string, c: Case): [NewcomerProfile, SponsorProfile] {
  const experiences = SEED_PROGRAMS.find((p) => p.key === key)!.experiences.slice(0, 1);
  const newcomer = makeNewcomer({ program: key, experiences, recoveryDate: daysAgo(SAMPLE_NOW, 30), programSince: daysAgo(SAMPLE_NOW, 30), ...c.newcomer });
  const sponsor = makeSponsor({
    program: key,
    experiences,
    experiencesOnCard: experiences,
    recoveryDate: daysAgo(SAMPLE_NOW, 2 * 365),
    programSince: daysAgo(SAMPLE_NOW, 2 * 365),
    ...c.sponsor,
  });
  return [newcomer, sponsor];
}

const TWELVE_STEP: Case[] = [
  { when: 'the sponsor has two years, all steps and a sponsor', rules: [] },
  { when: 'the sponsor has 300 days (one year minimum)', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 300) }, rules: ['below-program-minimum'] },
  { when: 'the sponsor has exactly one year', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 365) }, rules: [] },
  { when: 'the newcomer has 2 years and the sponsor 2 years too (no gap stated: at least as much time)', newcomer: { recoveryDate: daysAgo(SAMPLE_NOW, 2 * 365) }, rules: [] },
  { when: 'the newcomer has more time than the sponsor', newcomer: { recoveryDate: daysAgo(SAMPLE_NOW, 3 * 365) }, rules: ['not-more-recovery-than-newcomer'] },
  { when: 'the sponsor is a man (same gender by default)', sponsor: { gender: 'man' }, rules: ['gender-rule'] },
  { when: 'the sponsor is a man and the newcomer chose any gender (her override)', sponsor: { gender: 'man' }, newcomer: { sponsorGenderPreference: 'any' }, rules: [] },
  { when: 'the sponsor has no sponsor of her own (encouraged, not required)', sponsor: { hasOwnSponsor: false }, rules: [] },
  { when: 'the sponsor has completed 4 steps (encouraged, not required)', sponsor: { stepsCompleted: 4 }, rules: [] },
];

const CASES: Record<string, Case[]> = {
  aa: TWELVE_STEP,
  na: TWELVE_STEP,
  ca: TWELVE_STEP,
  cma: TWELVE_STEP,
  ma: TWELVE_STEP,
  ha: TWELVE_STEP,
  'celebrate-recovery': [
    { when: 'the sponsor meets every prerequisite', rules: [] },
    { when: 'the sponsor has 364 days (one continuous year)', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 364) }, rules: ['below-program-minimum'] },
    { when: 'the sponsor has no sponsor of her own (own sponsor and accountability team)', sponsor: { hasOwnSponsor: false }, rules: ['no-own-sponsor'] },
    { when: 'the sponsor has completed 11 steps (a completed step study)', sponsor: { stepsCompleted: 11 }, rules: ['too-few-steps'] },
    { when: 'the sponsor is a man and the newcomer chose any gender ("Must be same sex", no override)', sponsor: { gender: 'man' }, newcomer: { sponsorGenderPreference: 'any' }, rules: ['gender-rule'] },
    { when: 'both are men', sponsor: { gender: 'man' }, newcomer: { gender: 'man' }, rules: [] },
  ],
  'al-anon': [
    { when: 'the sponsor came to Al-Anon two years ago and gave no recovery date (time in the program)', sponsor: { recoveryDate: undefined }, rules: [] },
    { when: 'the sponsor came 60 days ago and the newcomer 30 (no minimum)', sponsor: { programSince: daysAgo(SAMPLE_NOW, 60), recoveryDate: daysAgo(SAMPLE_NOW, 3000) }, rules: [] },
    { when: 'the newcomer came before the sponsor, whatever their recovery dates', sponsor: { programSince: daysAgo(SAMPLE_NOW, 20), recoveryDate: daysAgo(SAMPLE_NOW, 3000) }, rules: ['not-more-recovery-than-newcomer'] },
    { when: 'the sponsor has no sponsor of her own ("no requirements")', sponsor: { hasOwnSponsor: false, stepsCompleted: 0 }, rules: [] },
    { when: 'the sponsor is a man (no gender rule by default)', sponsor: { gender: 'man' }, rules: [] },
  ],
  'nar-anon': [
    { when: 'the sponsor came to Nar-Anon two years ago and gave no recovery date (time in the program)', sponsor: { recoveryDate: undefined }, rules: [] },
    { when: 'the sponsor came 60 days ago (no minimum)', sponsor: { programSince: daysAgo(SAMPLE_NOW, 60) }, rules: [] },
    { when: 'the sponsor is a man (same gender is "best", not a rule)', sponsor: { gender: 'man' }, rules: [] },
  ],
  wfs: [
    { when: 'both are women', rules: [] },
    { when: 'the newcomer is a man who lists WFS among the programs he accepts (for women)', newcomer: { gender: 'man', program: 'smart', acceptedPrograms: ['wfs'] }, rules: ['program-member-genders'] },
    { when: 'the sponsor is a man (for women)', sponsor: { gender: 'man' }, rules: ['program-member-genders'] },
  ],
  smart: [
    { when: 'a group switched pairing on and the mentor is a man (no gender rule)', sponsor: { gender: 'man', hasOwnSponsor: false, stepsCompleted: 0 }, rules: [] },
  ],
  lifering: [
    { when: 'a group switched pairing on and the mentor has no sponsor (not a LifeRing idea)', sponsor: { hasOwnSponsor: false, stepsCompleted: 0 }, rules: [] },
  ],
  'recovery-dharma': [
    { when: 'the mentor has 40 days and the newcomer 30 ("any period of time")', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 40) }, rules: [] },
    { when: 'the mentor is a man (gender not stated)', sponsor: { gender: 'man', hasOwnSponsor: false }, rules: [] },
  ],
  'refuge-recovery': [
    { when: 'the mentor has 300 days (the service default of a year, no text found)', sponsor: { recoveryDate: daysAgo(SAMPLE_NOW, 300) }, rules: ['below-program-minimum'] },
    { when: 'the mentor is a man (gender not stated)', sponsor: { gender: 'man' }, rules: [] },
  ],
};

describe('program rules, per seeded program as its literature states them', () => {
  it('when the seeded programs are listed, then every one has rules tested below', () => {
    expect(Object.keys(CASES).sort()).to.deep.equal(SEED_PROGRAMS.map((p) => p.key).sort());
  });

  for (const [key, cases] of Object.entries(CASES)) {
    describe(`${nameOf(key)} (${sourceOf(key)})`, () => {
      for (const c of cases) {
        const outcome = c.rules.length === 0 ? 'the pair is eligible' : `the pair fails ${c.rules.join(', ')}`;
        it(`${nameOf(key)} (${sourceOf(key)}): when ${c.when}, then ${outcome}`, () => {
          const [newcomer, sponsor] = pair(key, c);
          expect(failingRules(newcomer, sponsor, ctx)).to.deep.equal(c.rules);
        });
      }
    });
  }

  const preferred = ['aa', 'na', 'ca', 'cma', 'ma', 'ha'];
  for (const key of preferred) {
    it(`${nameOf(key)} (${sourceOf(key)}): when the sponsor has no sponsor of her own or fewer steps, then she scores lower (soft factors), still eligible`, () => {
      const [newcomer, full] = pair(key, { when: '', rules: [] });
      const base = scorePair(newcomer, full, ctx);
      const noSponsor = scorePair(newcomer, { ...full, hasOwnSponsor: false }, ctx);
      const fewSteps = scorePair(newcomer, { ...full, stepsCompleted: 3 }, ctx);
      expect(noSponsor.score).to.be.lessThan(base.score);
      expect(fewSteps.score).to.be.lessThan(base.score);
      expect(base.reasons.map((r) => r.factor)).to.include.members(['ownSponsor', 'steps']);
    });
  }

  for (const key of ['celebrate-recovery', 'al-anon', 'nar-anon', 'smart', 'lifering', 'wfs', 'recovery-dharma', 'refuge-recovery']) {
    it(`${nameOf(key)} (${sourceOf(key)}): when the sponsor has fewer steps or no own sponsor, then no soft factor for them applies`, () => {
      const [newcomer, sponsor] = pair(key, { when: '', rules: [] });
      const factors = scorePair(newcomer, sponsor, ctx).reasons.map((r) => r.factor);
      expect(factors).not.to.include('ownSponsor');
      expect(factors).not.to.include('steps');
    });
  }

  it('when a program counts time in the program, then the counted days come from programSince, else from recoveryDate (countedTimeDays)', () => {
    const member = { recoveryDate: daysAgo(SAMPLE_NOW, 10), programSince: daysAgo(SAMPLE_NOW, 2000), timezone: 'America/New_York' };
    expect(countedTimeDays(member, seeded.get('al-anon'), SAMPLE_NOW)).to.be.within(1999, 2001);
    expect(countedTimeDays(member, seeded.get('aa'), SAMPLE_NOW)).to.be.within(9, 11);
    expect(countedTimeDays({ timezone: 'UTC' }, seeded.get('al-anon'), SAMPLE_NOW)).to.equal(0);
  });

  it('when an Al-Anon pair is scored, then the recovery-time fact is the time in the program', () => {
    const [newcomer, sponsor] = pair('al-anon', { when: '', sponsor: { recoveryDate: undefined, programSince: daysAgo(SAMPLE_NOW, 6 * 365 + 2) }, rules: [] });
    const gap = scorePair(newcomer, sponsor, ctx).reasons.find((r) => r.factor === 'recoveryGap')!;
    expect(gap.contribution).to.be.greaterThan(0);
  });
});
