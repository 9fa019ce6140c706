import { expect } from 'chai';
import {
  localDayNumber,
  localToUtc,
  offsetMinutesAt,
  overlapMinutes,
  parseClock,
  weekStartOf,
  type WeeklySchedule,
} from '../../src/matching/availability.ts';
import { recoveryDays } from '../../src/matching/recovery.ts';
import type { AvailabilityWindow } from '../../src/matching/types.ts';

const at = (iso: string): number => Date.parse(iso);
const person = (timezone: string, ...availability: AvailabilityWindow[]): WeeklySchedule => ({ timezone, availability });
const w = (day: AvailabilityWindow['day'], start: string, end: string): AvailabilityWindow => ({ day, start, end });

describe('availability', () => {
  describe('overlapMinutes in an ordinary week', () => {
    const week = weekStartOf(at('2025-06-11T12:00:00Z'));
    const cases: { when: string; a: WeeklySchedule; b: WeeklySchedule; minutes: number }[] = [
      { when: 'the same window in the same zone', a: person('UTC', w('mon', '10:00', '11:00')), b: person('UTC', w('mon', '10:00', '11:00')), minutes: 60 },
      { when: 'windows overlap in part', a: person('UTC', w('tue', '09:00', '12:00')), b: person('UTC', w('tue', '11:00', '13:30')), minutes: 60 },
      { when: 'windows only touch', a: person('UTC', w('wed', '09:00', '10:00')), b: person('UTC', w('wed', '10:00', '11:00')), minutes: 0 },
      { when: 'windows are on different days', a: person('UTC', w('mon', '09:00', '10:00')), b: person('UTC', w('tue', '09:00', '10:00')), minutes: 0 },
      { when: 'several windows add up', a: person('UTC', w('mon', '09:00', '10:00'), w('fri', '18:00', '20:00')), b: person('UTC', w('mon', '08:00', '20:00'), w('fri', '19:00', '23:00')), minutes: 120 },
      { when: 'a window ends at 24:00', a: person('UTC', w('sun', '22:00', '24:00')), b: person('UTC', w('sun', '23:00', '24:00')), minutes: 60 },
      { when: 'a window is not on the quarter hour (trimmed inwards)', a: person('UTC', w('mon', '09:10', '10:50')), b: person('UTC', w('mon', '09:00', '11:00')), minutes: 90 },
      { when: 'a window is shorter than a quarter hour', a: person('UTC', w('mon', '09:01', '09:14')), b: person('UTC', w('mon', '09:00', '10:00')), minutes: 0 },
      { when: 'New York evening meets Los Angeles afternoon', a: person('America/New_York', w('thu', '18:00', '20:00')), b: person('America/Los_Angeles', w('thu', '15:00', '16:00')), minutes: 60 },
      { when: 'a Sydney Monday morning (UTC+10) meets a London Sunday evening (UTC+1)', a: person('Australia/Sydney', w('mon', '07:00', '09:00')), b: person('Europe/London', w('sun', '21:00', '23:00')), minutes: 60 },
      { when: 'Kathmandu (UTC+5:45) meets UTC on the quarter hour', a: person('Asia/Kathmandu', w('wed', '06:00', '07:00')), b: person('UTC', w('wed', '00:00', '01:00')), minutes: 45 },
      { when: 'a window is malformed (end before start)', a: person('UTC', w('mon', '11:00', '10:00')), b: person('UTC', w('mon', '00:00', '24:00')), minutes: 0 },
    ];
    for (const c of cases) {
      it(`when ${c.when}, then the overlap is ${c.minutes} minutes`, () => {
        expect(overlapMinutes(c.a, c.b, week)).to.equal(c.minutes);
        expect(overlapMinutes(c.b, c.a, week)).to.equal(c.minutes);
      });
    }
  });

  describe('daylight-saving weeks between New York and London', () => {
    // The US changes clocks on the 2nd Sunday of March and 1st Sunday of November,
    // the UK on the last Sundays of March and October: for a few weeks the two cities
    // are 4 hours apart instead of 5.
    const newcomer = person('America/New_York', w('mon', '14:00', '15:00'));
    const sponsorLate = person('Europe/London', w('mon', '19:00', '20:00'));
    const sponsorLong = person('Europe/London', w('mon', '18:00', '20:00'));
    const weeks: { week: string; late: number; gap: boolean }[] = [
      { week: '2025-03-03', late: 60, gap: false },
      { week: '2025-03-10', late: 0, gap: true },
      { week: '2025-03-17', late: 0, gap: true },
      { week: '2025-03-24', late: 0, gap: true },
      { week: '2025-03-31', late: 60, gap: false },
      { week: '2025-07-14', late: 60, gap: false },
      { week: '2025-10-20', late: 60, gap: false },
      { week: '2025-10-27', late: 0, gap: true },
      { week: '2025-11-03', late: 60, gap: false },
    ];
    for (const c of weeks) {
      it(`when it is the week of ${c.week}${c.gap ? ' (only one side has changed clocks)' : ''}, then Mon 14-15 New York and Mon 19-20 London share ${c.late} minutes`, () => {
        const now = at(`${c.week}T12:00:00Z`) + 2 * 86_400_000;
        expect(overlapMinutes(newcomer, sponsorLate, weekStartOf(now))).to.equal(c.late);
      });
    }
    it('when the sponsor is free Mon 18-20 London, then the hour in common moves but stays 60 minutes in every week', () => {
      for (const c of weeks) {
        expect(overlapMinutes(newcomer, sponsorLong, weekStartOf(at(`${c.week}T12:00:00Z`))), c.week).to.equal(60);
      }
    });
  });

  describe('windows on the day the clocks change', () => {
    it('when a New York window spans the spring-forward night, then it lasts one hour less in real time', () => {
      const sunday = person('America/New_York', w('sun', '01:00', '04:00'));
      const always = person('UTC', w('sun', '00:00', '24:00'));
      expect(overlapMinutes(sunday, always, weekStartOf(at('2025-03-05T00:00:00Z')))).to.equal(120);
      expect(overlapMinutes(sunday, always, weekStartOf(at('2025-02-26T00:00:00Z')))).to.equal(180);
    });

    it('when a New York window spans the fall-back night, then it lasts one hour more in real time', () => {
      const sunday = person('America/New_York', w('sun', '00:00', '03:00'));
      const around = person('UTC', w('sun', '00:00', '24:00'));
      expect(overlapMinutes(sunday, around, weekStartOf(at('2025-10-29T00:00:00Z')))).to.equal(240);
    });

    it('when a local time is skipped by spring forward, then it moves forward by the gap', () => {
      expect(new Date(localToUtc('America/New_York', at('2025-03-09T02:30:00Z'))).toISOString()).to.equal('2025-03-09T07:30:00.000Z');
    });

    it('when a local time happens twice at fall back, then the first occurrence is used', () => {
      expect(new Date(localToUtc('America/New_York', at('2025-11-02T01:30:00Z'))).toISOString()).to.equal('2025-11-02T05:30:00.000Z');
    });
  });

  describe('time-zone helpers', () => {
    it('when asked for the week start, then it is the Monday 00:00 UTC of the week containing now', () => {
      expect(new Date(weekStartOf(at('2025-03-12T15:00:00Z'))).toISOString()).to.equal('2025-03-10T00:00:00.000Z');
      expect(new Date(weekStartOf(at('2025-03-10T00:00:00Z'))).toISOString()).to.equal('2025-03-10T00:00:00.000Z');
      expect(new Date(weekStartOf(at('2025-03-16T23:59:59Z'))).toISOString()).to.equal('2025-03-10T00:00:00.000Z');
    });

    it('when the offset changes within a day, then the change is found to the minute', () => {
      expect(offsetMinutesAt('America/New_York', at('2025-03-09T06:59:00Z'))).to.equal(-300);
      expect(offsetMinutesAt('America/New_York', at('2025-03-09T07:00:00Z'))).to.equal(-240);
      expect(offsetMinutesAt('Australia/Lord_Howe', at('2025-07-01T00:00:00Z'))).to.equal(630);
      expect(offsetMinutesAt('Australia/Lord_Howe', at('2025-12-01T00:00:00Z'))).to.equal(660);
    });

    it('when it is already tomorrow in Sydney, then the local day and recovery days count from there', () => {
      const now = at('2025-06-30T15:00:00Z');
      expect(localDayNumber('Australia/Sydney', now) - localDayNumber('UTC', now)).to.equal(1);
      expect(recoveryDays('2024-07-01', 'Australia/Sydney', now)).to.equal(365);
      expect(recoveryDays('2024-07-01', 'America/New_York', now)).to.equal(364);
    });

    const clocks: [string, number][] = [['00:00', 0], ['09:30', 570], ['24:00', 1440], ['24:30', NaN], ['9:5', NaN], ['12:60', NaN]];
    for (const [text, minutes] of clocks) {
      it(`when the clock reads ${text}, then it parses to ${minutes}`, () => {
        expect(parseClock(text)).to.deep.equal(minutes);
      });
    }
  });
});
