import { expect } from 'chai';
import { createCandidateIndex } from '../../src/matching/candidate-index.ts';
import { explain, rank, rankProfiles } from '../../src/matching/rank.ts';
import { scorePair } from '../../src/matching/scoring.ts';
import { firstFailingRule } from '../../src/matching/eligibility.ts';
import { DEFAULT_WEIGHTS, RULES, type RuleName, type SponsorProfile } from '../../src/matching/types.ts';
import {
  daysAgo,
  makeContext,
  makeNewcomer,
  makeSponsor,
  samplePrograms,
  SAMPLE_NOW,
  syntheticNewcomers,
  syntheticSponsors,
  syntheticUsedPlaces,
} from '../support/profile-factories.ts';

const DAY_MS = 86_400_000;

describe('rank', () => {
  it('when sponsors are eligible, then the top is by score descending and, on equal scores, by id ascending', () => {
    // Arrange: b and c are identical; a has less time in common, so a lower score.
    const sponsors = [
      makeSponsor({ userId: 'c' }),
      makeSponsor({ userId: 'a', availability: [{ day: 'mon', start: '19:00', end: '19:30' }] }),
      makeSponsor({ userId: 'b' }),
    ];
    const index = createCandidateIndex(sponsors);

    // Act
    const result = rank(index, makeNewcomer(), makeContext(), 10);

    // Assert
    expect(result.top.map((s) => s.sponsorId)).to.deep.equal(['b', 'c', 'a']);
    expect(result.top[0]?.score).to.equal(result.top[1]?.score);
    expect(result.top[1]!.score).to.be.greaterThan(result.top[2]!.score);
    expect(result.eligibleCount).to.equal(3);
  });

  it('when scores tie, then fewer places in use come first, then the earlier availableSince, then the id (the stated tie rule)', () => {
    // Arrange: free places weigh nothing, so places in use change no score; every sponsor scores the same.
    const early = '2025-01-01T00:00:00.000Z';
    const late = '2025-02-01T00:00:00.000Z';
    const sponsors = [
      makeSponsor({ userId: 'd', availableSince: early }),
      makeSponsor({ userId: 'e', availableSince: late }),
      makeSponsor({ userId: 'g', availableSince: early }),
      makeSponsor({ userId: 'f', availableSince: early }),
      makeSponsor({ userId: 'h' }),
    ];
    const index = createCandidateIndex(sponsors);
    index.setUsedPlaces('d', 1);
    const ctx = makeContext({ used: new Map([['d', 1]]), weights: { aa: { ...DEFAULT_WEIGHTS, freePlaces: 0 } } });

    // Act
    const fast = rank(index, makeNewcomer(), ctx, 10);
    const slow = rankProfiles(sponsors, makeNewcomer(), ctx, 10);

    // Assert
    expect(new Set(fast.top.map((s) => s.score)).size).to.equal(1);
    expect(fast.top.map((s) => s.sponsorId)).to.deep.equal(['f', 'g', 'e', 'h', 'd']);
    expect(slow).to.deep.equal(fast);
    expect(rank(index, makeNewcomer(), ctx, 2).top.map((s) => s.sponsorId), 'the heap keeps the same two').to.deep.equal(['f', 'g']);
  });

  it('when k is smaller than the eligible count, then only the k best are returned', () => {
    const index = createCandidateIndex(['d', 'c', 'b', 'a'].map((userId) => makeSponsor({ userId })));
    const result = rank(index, makeNewcomer(), makeContext(), 2);
    expect(result.top.map((s) => s.sponsorId)).to.deep.equal(['a', 'b']);
    expect(result.eligibleCount).to.equal(4);
  });

  it('when k is 0, then nothing is proposed but exclusions are still counted', () => {
    const index = createCandidateIndex([makeSponsor(), makeSponsor({ userId: 'x', acceptingNewcomers: false })]);
    const result = rank(index, makeNewcomer(), makeContext(), 0);
    expect(result.top).to.deep.equal([]);
    expect(result.excluded['not-accepting']).to.equal(1);
  });

  it('when sponsors fail rules, then each is counted once under its first failing rule and every rule is present', () => {
    // Arrange
    const sponsors: SponsorProfile[] = [
      makeSponsor({ userId: 'ok' }),
      makeSponsor({ userId: 'newcomer-1' }),
      makeSponsor({ userId: 'smart', program: 'smart' }),
      makeSponsor({ userId: 'paused', acceptingNewcomers: false, languages: ['fr'] }),
      makeSponsor({ userId: 'full', capacity: 1 }),
      makeSponsor({ userId: 'ended' }),
      makeSponsor({ userId: 'new', recoveryDate: daysAgo(SAMPLE_NOW, 100) }),
      makeSponsor({ userId: 'french', languages: ['fr'], gender: 'man' }),
      makeSponsor({ userId: 'man', gender: 'man' }),
      makeSponsor({ userId: 'tuesday', availability: [{ day: 'tue', start: '09:00', end: '10:00' }] }),
    ];
    const index = createCandidateIndex(sponsors);
    index.setUsedPlaces('full', 1);
    const ctx = makeContext({ history: new Map([['newcomer-1|ended', [{ kind: 'ended', at: SAMPLE_NOW - 400 * DAY_MS }]]]) });

    // Act
    const result = rank(index, makeNewcomer(), ctx, 5);

    // Assert
    expect(result.top.map((s) => s.sponsorId)).to.deep.equal(['ok']);
    expect(Object.keys(result.excluded)).to.deep.equal([...RULES]);
    expect(result.excluded).to.deep.include({
      'same-person': 1,
      'program-not-accepted': 1,
      'not-accepting': 1,
      'at-capacity': 1,
      'pair-blocked': 1,
      'below-program-minimum': 1,
      'no-shared-language': 1,
      'gender-rule': 1,
      'no-availability-overlap': 1,
      'too-far': 0,
    });
    expect(result).to.deep.equal(rankProfiles(sponsors, makeNewcomer(), { ...ctx, usedPlaces: (id) => index.usedPlaces(id) }, 5));
  });

  it('when each sponsor fails a different rule first, then rank counts one under every rule, exactly as the pure rules do', () => {
    // Arrange: one sponsor per rule, each passing every rule checked before it.
    const newcomer = makeNewcomer({
      acceptedPrograms: ['ga', 'wfs'],
      recoveryDate: daysAgo(SAMPLE_NOW, 400),
      contactModes: ['phone', 'in-person'],
      location: { region: 'US-NY', lat: 40.71, lon: -74.0 },
      orientationMustMatch: true,
    });
    const failing: Array<[RuleName, Partial<SponsorProfile>]> = [
      ['same-person', { userId: newcomer.userId }],
      ['program-not-accepted', { program: 'smart' }],
      ['unknown-program', { program: 'ga' }],
      ['program-member-genders', { program: 'wfs', gender: 'man' }],
      ['not-accepting', { acceptingNewcomers: false }],
      ['at-capacity', { capacity: 1 }],
      ['pair-blocked', {}],
      ['below-program-minimum', { recoveryDate: daysAgo(SAMPLE_NOW, 100) }],
      ['not-more-recovery-than-newcomer', { recoveryDate: daysAgo(SAMPLE_NOW, 500) }],
      ['no-own-sponsor', { hasOwnSponsor: false }],
      ['too-few-steps', { stepsCompleted: 3 }],
      ['no-shared-language', { languages: ['fr'] }],
      ['sponsor-languages-limit', { languages: ['en', 'fr'], languagesForSponsoring: ['fr'] }],
      ['gender-rule', { gender: 'man' }],
      ['sponsor-genders-limit', { sponsorsGenders: ['man'] }],
      ['sponsor-age-limit', { newcomerAgeBands: ['65+'] }],
      ['orientation-required', { spiritualOrientation: 'secular' }],
      ['no-shared-contact-mode', { contactModes: ['video'] }],
      ['no-availability-overlap', { availability: [{ day: 'tue', start: '09:00', end: '10:00' }] }],
      ['too-far', { contactModes: ['in-person'], location: { region: 'GB', lat: 51.51, lon: -0.13 } }],
      ['in-person-distance-unknown', { contactModes: ['in-person'], location: undefined }],
    ];
    const programs = samplePrograms();
    programs.set('wfs', { ...programs.get('wfs')!, memberGenders: ['woman'] });
    programs.set('aa', { ...programs.get('aa')!, minStepsCompleted: 6 });
    const sponsors = [makeSponsor({ userId: 'eligible' }), ...failing.map(([rule, over]) => makeSponsor({ userId: rule, ...over }))];
    const index = createCandidateIndex(sponsors);
    index.setUsedPlaces('at-capacity', 1);
    const ctx = makeContext({
      programs,
      used: new Map([['at-capacity', 1]]),
      history: new Map([[`${newcomer.userId}|pair-blocked`, [{ kind: 'blocked', at: SAMPLE_NOW - DAY_MS }]]]),
    });
    expect(failing.map(([rule]) => rule), 'one sponsor per rule').to.deep.equal([...RULES]);
    for (const [rule] of failing) {
      if (rule !== 'same-person') expect(firstFailingRule(newcomer, index.getSponsor(rule)!, ctx), rule).to.equal(rule);
    }

    // Act
    const result = rank(index, newcomer, ctx, 5);

    // Assert
    expect(result.excluded).to.deep.equal(Object.fromEntries(RULES.map((r) => [r, 1])));
    expect(result.eligibleCount).to.equal(1);
    expect(result.top.map((s) => s.sponsorId)).to.deep.equal(['eligible']);
    expect(result).to.deep.equal(rankProfiles(sponsors, newcomer, ctx, 5));
  });

  it('when winners are returned, then their reasons are exactly the pure scorePair reasons', () => {
    const sponsor = makeSponsor();
    const result = rank(createCandidateIndex([sponsor]), makeNewcomer(), makeContext(), 1);
    const pure = scorePair(makeNewcomer(), sponsor, makeContext());
    expect(result.top).to.deep.equal([pure]);
  });

  it('when a synthetic population is ranked, then the index gives the brute-force answer', () => {
    // Arrange
    const sponsors = syntheticSponsors(3000, 11, SAMPLE_NOW);
    const used = syntheticUsedPlaces(sponsors, 12);
    const index = createCandidateIndex(sponsors);
    for (const [id, n] of used) index.setUsedPlaces(id, n);
    const ctx = makeContext({ used });

    for (const newcomer of syntheticNewcomers(15, 13, SAMPLE_NOW)) {
      // Act
      const fast = rank(index, newcomer, ctx, 10);
      const slow = rankProfiles(sponsors, newcomer, ctx, 10);

      // Assert
      expect(fast, newcomer.userId).to.deep.equal(slow);
    }
  });
});

describe('rank with every per-program rule and sponsor limit', () => {
  it('when a synthetic population with sponsor limits is ranked under rules of every kind, then the index gives the brute-force answer', () => {
    // Arrange
    const sponsors = syntheticSponsors(3000, 41, SAMPLE_NOW, { limits: true });
    const used = syntheticUsedPlaces(sponsors, 42);
    const index = createCandidateIndex(sponsors);
    for (const [id, n] of used) index.setUsedPlaces(id, n);
    const programs = samplePrograms();
    programs.set('celebrate-recovery', { ...programs.get('celebrate-recovery')!, genderRule: 'same-required', minStepsCompleted: 12 });
    programs.set('al-anon', { ...programs.get('al-anon')!, timeCountedAs: 'program', minRecoveryDays: 0, ownSponsor: 'none' });
    programs.set('wfs', { ...programs.get('wfs')!, memberGenders: ['woman'] });
    programs.set('aa', { ...programs.get('aa')!, ownSponsor: 'preferred', completedStepsPreferred: true, minRecoveryGapDays: 0 });
    const ctx = makeContext({ used, programs });

    for (const newcomer of syntheticNewcomers(25, 43, SAMPLE_NOW, { limits: true })) {
      // Act
      const fast = rank(index, newcomer, ctx, 10);
      const slow = rankProfiles(sponsors, newcomer, ctx, 10);

      // Assert
      expect(fast, newcomer.userId).to.deep.equal(slow);
    }
  });
});

describe('explain', () => {
  it('when the sponsor is eligible, then the score and reasons are given', () => {
    const index = createCandidateIndex([makeSponsor()]);
    const explanation = explain(index, makeNewcomer(), 'sponsor-1', makeContext());
    const pure = scorePair(makeNewcomer(), makeSponsor(), makeContext());
    expect(explanation).to.deep.equal({ sponsorId: 'sponsor-1', eligible: true, score: pure.score, reasons: pure.reasons });
  });

  it('when the sponsor is not eligible, then every failing rule is listed, with used places from the index', () => {
    const index = createCandidateIndex([makeSponsor({ languages: ['de'], capacity: 2 })]);
    index.setUsedPlaces('sponsor-1', 2);
    const explanation = explain(index, makeNewcomer(), 'sponsor-1', makeContext());
    expect(explanation).to.deep.equal({ sponsorId: 'sponsor-1', eligible: false, failingRules: ['at-capacity', 'no-shared-language'] });
  });

  it('when explained from plain profiles, then used places come from the context', () => {
    const sponsors = [makeSponsor({ capacity: 1 })];
    const explanation = explain(sponsors, makeNewcomer(), 'sponsor-1', makeContext({ used: new Map([['sponsor-1', 1]]) }));
    expect(explanation).to.deep.equal({ sponsorId: 'sponsor-1', eligible: false, failingRules: ['at-capacity'] });
  });

  it('when the sponsor is unknown, then there is no explanation', () => {
    expect(explain(createCandidateIndex(), makeNewcomer(), 'nobody', makeContext())).to.equal(undefined);
  });
});
