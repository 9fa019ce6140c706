import { expect } from 'chai';
import fc from 'fast-check';
import {
  changedLimitedFields,
  decideProfileChange,
  PROFILE_CHANGE_WINDOW_MS,
  PROFILE_CHANGES_PER_WINDOW,
  type LimitedNewcomerFields,
} from '../../src/profiles/profile-change-limit.ts';

const HOUR = 3600_000;
const T0 = Date.parse('2026-11-21T12:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * HOUR);

const profile = (over: Partial<LimitedNewcomerFields> = {}): LimitedNewcomerFields => ({
  program: 'na',
  acceptedPrograms: ['aa'],
  languages: ['en', 'es'],
  wantsLgbtqAffirming: false,
  spiritualOrientation: 'spiritual',
  orientationMustMatch: true,
  ...over,
});

describe('profile change limit: decideProfileChange(recent, now)', () => {
  const table: Array<[string, number[], number, { allowed: true; recent: number[] } | { allowed: false; retryAfterHours: number }]> = [
    ['no change yet', [], 0, { allowed: true, recent: [0] }],
    ['two changes today', [0, 1], 2, { allowed: true, recent: [0, 1, 2] }],
    ['three changes in the last 24 h', [0, 1, 2], 3, { allowed: false, retryAfterHours: 21 }],
    ['three changes, the oldest exactly 24 h ago', [0, 1, 2], 24, { allowed: true, recent: [1, 2, 24] }],
    ['three changes, the oldest 23 h ago', [1, 2, 3], 24, { allowed: false, retryAfterHours: 1 }],
    ['three changes, all over 24 h ago', [0, 1, 2], 48, { allowed: true, recent: [48] }],
    ['three changes, one stamped ahead of this clock (another instance)', [0, 1, 5], 3, { allowed: false, retryAfterHours: 21 }],
  ];
  for (const [name, recent, now, expected] of table) {
    it(`when ${name}, then ${expected.allowed ? 'allowed' : `refused for ${expected.retryAfterHours} h`}`, () => {
      const decision = decideProfileChange(recent.map(at), at(now));
      if (expected.allowed) expect(decision).to.deep.equal({ allowed: true, recent: expected.recent.map(at) });
      else expect(decision).to.deep.equal({ allowed: false, retryAfterSeconds: expected.retryAfterHours * 3600 });
    });
  }

  it('when the oldest change leaves the window in less than a second, then Retry-After is still at least 1', () => {
    const decision = decideProfileChange([at(0), at(1), at(2)], new Date(T0 + PROFILE_CHANGE_WINDOW_MS - 100));
    expect(decision).to.deep.equal({ allowed: false, retryAfterSeconds: 1 });
  });

  it('when any sequence of attempts is decided in order, then no 24 h window holds more than 3 allowed changes, and a refusal names the moment one is allowed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 72 * 60 }), { maxLength: 40 }), (minutes) => {
        const times = [...minutes].sort((a, b) => a - b).map((m) => new Date(T0 + m * 60_000));
        let recent: Date[] = [];
        const allowed: number[] = [];
        for (const now of times) {
          const d = decideProfileChange(recent, now);
          if (d.allowed) {
            recent = d.recent;
            allowed.push(now.getTime());
          } else {
            const retryAt = now.getTime() + d.retryAfterSeconds * 1000;
            expect(decideProfileChange(recent, new Date(retryAt)).allowed).to.equal(true);
            expect(decideProfileChange(recent, new Date(retryAt - 1000)).allowed).to.equal(false);
          }
        }
        for (const [i, start] of allowed.entries()) {
          const inWindow = allowed.slice(i).filter((t) => t - start < PROFILE_CHANGE_WINDOW_MS);
          expect(inWindow.length).to.be.at.most(PROFILE_CHANGES_PER_WINDOW);
        }
      }),
    );
  });
});

describe('profile change limit: changedLimitedFields(before, after)', () => {
  const table: Array<[string, Partial<LimitedNewcomerFields>, Partial<LimitedNewcomerFields>, string[]]> = [
    ['nothing changes', {}, {}, []],
    ['languages are reordered', { languages: ['en', 'es'] }, { languages: ['es', 'en'] }, []],
    ['an empty list replaces an absent one', {}, { preferredAgeBands: [] }, []],
    ['the program changes', {}, { program: 'aa', acceptedPrograms: [] }, ['program', 'acceptedPrograms']],
    ['a language is added', {}, { languages: ['en', 'es', 'fr'] }, ['languages']],
    ['the location moves', { location: { region: 'Queens', lat: 40.7, lon: -73.8 } }, { location: { region: 'Queens', lat: 40.71, lon: -73.8 } }, ['location']],
    ['a location is given', {}, { location: { region: 'Queens', lat: 40.7, lon: -73.8 } }, ['location']],
    ['the gender preference changes', { sponsorGenderPreference: 'same' }, { sponsorGenderPreference: ['woman', 'non-binary'] }, ['sponsorGenderPreference']],
    ['the gender preference is reordered', { sponsorGenderPreference: ['woman', 'man'] }, { sponsorGenderPreference: ['man', 'woman'] }, []],
    ['age bands and the distance change', {}, { preferredAgeBands: ['25-34'], maxDistanceKm: 10 }, ['preferredAgeBands', 'maxDistanceKm']],
    ['the orientation preferences change', {}, { spiritualOrientation: 'secular', orientationMustMatch: false, wantsLgbtqAffirming: true }, ['wantsLgbtqAffirming', 'spiritualOrientation', 'orientationMustMatch']],
  ];
  for (const [name, before, after, expected] of table) {
    it(`when ${name}, then ${expected.length ? expected.join(', ') : 'no limited field'} changed`, () => {
      expect(changedLimitedFields(profile(before), profile(after))).to.deep.equal(expected);
    });
  }
});
