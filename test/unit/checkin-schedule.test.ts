import { expect } from 'chai';
import fc from 'fast-check';
import { addWeeks, isoWeekIn, slotAt, slotsBetween, WEEKDAYS, type Weekday } from '../../src/checkins/schedule.ts';

// The expected instants follow the zone rules of tzdata 2025c (the runtime's ICU).
// A future rule change for a date still to come would change them; the past
// dates chosen for the midnight changes will not.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const WEEK_MS = 7 * 24 * HOUR_MS;
const SHORT_DAYS: Readonly<Record<string, Weekday>> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

interface WallClock {
  day: Weekday;
  hour: number;
  minute: number;
  second: number;
  /** The wall time written as if it were UTC ms, to compare wall times. */
  localMs: number;
  /** Wall-time ms of that local day's midnight. */
  midnightMs: number;
}

// The oracle: the wall clock as Intl reads it, independently of the module.
const readers = new Map<string, Intl.DateTimeFormat>();
function wallClock(at: Date | number, zone: string): WallClock {
  let reader = readers.get(zone);
  if (reader === undefined) {
    reader = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    readers.set(zone, reader);
  }
  const part = Object.fromEntries(reader.formatToParts(at).map((p) => [p.type, p.value]));
  const [y, mo, d, h, mi, s] = [part.year, part.month, part.day, part.hour, part.minute, part.second].map(Number) as [number, number, number, number, number, number];
  const day = SHORT_DAYS[part.weekday ?? ''];
  if (day === undefined) throw new Error(`no weekday read for ${String(at)} in ${zone}`);
  return { day, hour: h, minute: mi, second: s, localMs: Date.UTC(y, mo - 1, d, h, mi, s), midnightMs: Date.UTC(y, mo - 1, d) };
}

const utc = (iso: string): Date => new Date(iso);

describe('check-in schedule', () => {
  describe('slotAt on ordinary days and on change days', () => {
    const cases: { zone: string; week: string; day: Weekday; hour: number; at: string; when: string }[] = [
      { zone: 'America/New_York', week: '2026-W43', day: 'sun', hour: 18, at: '2026-10-25T22:00:00Z', when: 'the Sunday before the fall-back (EDT)' },
      { zone: 'America/New_York', week: '2026-W44', day: 'sun', hour: 18, at: '2026-11-01T23:00:00Z', when: 'the fall-back Sunday 2026-11-01 (EST by 18:00)' },
      { zone: 'America/New_York', week: '2026-W45', day: 'sun', hour: 18, at: '2026-11-08T23:00:00Z', when: 'the Sunday after the fall-back' },
      { zone: 'America/New_York', week: '2027-W09', day: 'sun', hour: 18, at: '2027-03-07T23:00:00Z', when: 'the Sunday before the spring-forward (EST)' },
      { zone: 'America/New_York', week: '2027-W10', day: 'sun', hour: 18, at: '2027-03-14T22:00:00Z', when: 'the spring-forward Sunday 2027-03-14 (EDT by 18:00)' },
      { zone: 'America/New_York', week: '2027-W11', day: 'sun', hour: 18, at: '2027-03-21T22:00:00Z', when: 'the Sunday after the spring-forward' },
      { zone: 'Europe/Berlin', week: '2026-W42', day: 'sun', hour: 18, at: '2026-10-18T16:00:00Z', when: 'the Sunday before the fall-back (CEST)' },
      { zone: 'Europe/Berlin', week: '2026-W43', day: 'sun', hour: 18, at: '2026-10-25T17:00:00Z', when: 'the fall-back Sunday 2026-10-25 (CET)' },
      { zone: 'Europe/Berlin', week: '2027-W11', day: 'sun', hour: 18, at: '2027-03-21T17:00:00Z', when: 'the Sunday before the spring-forward (CET)' },
      { zone: 'Europe/Berlin', week: '2027-W12', day: 'sun', hour: 18, at: '2027-03-28T16:00:00Z', when: 'the spring-forward Sunday 2027-03-28 (CEST)' },
      { zone: 'Australia/Sydney', week: '2026-W39', day: 'sun', hour: 18, at: '2026-09-27T08:00:00Z', when: 'the Sunday before the southern spring-forward (AEST)' },
      { zone: 'Australia/Sydney', week: '2026-W40', day: 'sun', hour: 18, at: '2026-10-04T07:00:00Z', when: 'the southern spring-forward Sunday 2026-10-04 (AEDT)' },
      { zone: 'Australia/Sydney', week: '2027-W12', day: 'sun', hour: 18, at: '2027-03-28T07:00:00Z', when: 'the Sunday before the southern fall-back (AEDT)' },
      { zone: 'Australia/Sydney', week: '2027-W13', day: 'sun', hour: 18, at: '2027-04-04T08:00:00Z', when: 'the southern fall-back Sunday 2027-04-04 (AEST)' },
      { zone: 'Australia/Sydney', week: '2026-W49', day: 'sun', hour: 23, at: '2026-12-06T12:00:00Z', when: 'Sunday 23:00 in Sydney (Sunday noon UTC)' },
      { zone: 'Australia/Sydney', week: '2026-W49', day: 'mon', hour: 5, at: '2026-11-29T18:00:00Z', when: 'Monday 05:00 in Sydney (still Sunday in UTC, of the week before)' },
      { zone: 'Asia/Kolkata', week: '2026-W44', day: 'sun', hour: 18, at: '2026-11-01T12:30:00Z', when: 'Kolkata (+5:30) on the New York change day' },
      { zone: 'Asia/Kolkata', week: '2027-W10', day: 'sun', hour: 18, at: '2027-03-14T12:30:00Z', when: 'Kolkata (+5:30), which has no daylight saving' },
      { zone: 'Asia/Kathmandu', week: '2026-W44', day: 'sun', hour: 18, at: '2026-11-01T12:15:00Z', when: 'Kathmandu (+5:45)' },
      { zone: 'Australia/Lord_Howe', week: '2026-W39', day: 'sun', hour: 18, at: '2026-09-27T07:30:00Z', when: 'Lord Howe before its 30-minute spring-forward (+10:30)' },
      { zone: 'Australia/Lord_Howe', week: '2026-W40', day: 'sun', hour: 18, at: '2026-10-04T07:00:00Z', when: 'Lord Howe on its spring-forward day (+11)' },
      { zone: 'Australia/Lord_Howe', week: '2027-W13', day: 'sun', hour: 18, at: '2027-04-04T07:30:00Z', when: 'Lord Howe on its fall-back day (+10:30)' },
      { zone: 'Pacific/Chatham', week: '2026-W38', day: 'sun', hour: 18, at: '2026-09-20T05:15:00Z', when: 'Chatham before its spring-forward (+12:45)' },
      { zone: 'Pacific/Chatham', week: '2026-W39', day: 'sun', hour: 18, at: '2026-09-27T04:15:00Z', when: 'Chatham on its spring-forward day (+13:45)' },
      { zone: 'Pacific/Chatham', week: '2027-W13', day: 'sun', hour: 18, at: '2027-04-04T05:15:00Z', when: 'Chatham on its fall-back day (+12:45)' },
      { zone: 'UTC', week: '2026-W53', day: 'sun', hour: 18, at: '2027-01-03T18:00:00Z', when: 'UTC in week 53 of 2026' },
      { zone: 'UTC', week: '2027-W01', day: 'mon', hour: 0, at: '2027-01-04T00:00:00Z', when: 'UTC at the start of 2027-W01' },
      { zone: 'UTC', week: '2026-W01', day: 'mon', hour: 0, at: '2025-12-29T00:00:00Z', when: 'UTC at the start of 2026-W01 (still December 2025)' },
    ];
    for (const c of cases) {
      it(`when ${c.when}, then ${c.week} ${c.day} ${c.hour}:00 in ${c.zone} is ${c.at}`, () => {
        const at = slotAt(c.week, c.day, c.hour, c.zone);

        expect(at.toISOString()).to.equal(new Date(c.at).toISOString());
        const wall = wallClock(at, c.zone);
        expect([wall.day, wall.hour, wall.minute]).to.deep.equal([c.day, c.hour, 0]);
        expect(isoWeekIn(at, c.zone)).to.equal(c.week);
      });
    }
  });

  describe('a local time skipped or repeated by a change', () => {
    const cases: { zone: string; week: string; day: Weekday; hour: number; at: string; reads: string; when: string }[] = [
      { zone: 'America/New_York', week: '2027-W10', day: 'sun', hour: 2, at: '2027-03-14T07:00:00Z', reads: '03:00', when: 'New York skips 02:00-03:00 on 2027-03-14' },
      { zone: 'Australia/Lord_Howe', week: '2026-W40', day: 'sun', hour: 2, at: '2026-10-03T15:30:00Z', reads: '02:30', when: 'Lord Howe skips 02:00-02:30 on 2026-10-04' },
      { zone: 'Pacific/Chatham', week: '2026-W39', day: 'sun', hour: 3, at: '2026-09-26T14:00:00Z', reads: '03:45', when: 'Chatham skips 02:45-03:45 and 03:00 lies inside the gap' },
      { zone: 'America/Havana', week: '2025-W10', day: 'sun', hour: 0, at: '2025-03-09T05:00:00Z', reads: '01:00', when: 'Havana skips midnight on 2025-03-09' },
      { zone: 'Asia/Beirut', week: '2024-W13', day: 'sun', hour: 0, at: '2024-03-30T22:00:00Z', reads: '01:00', when: 'Beirut skips midnight on 2024-03-31' },
      { zone: 'America/Santiago', week: '2024-W36', day: 'sun', hour: 0, at: '2024-09-08T04:00:00Z', reads: '01:00', when: 'Santiago skips midnight on 2024-09-08' },
      { zone: 'Asia/Tehran', week: '2022-W12', day: 'tue', hour: 0, at: '2022-03-21T20:30:00Z', reads: '01:00', when: 'Tehran skipped midnight on 2022-03-22' },
      { zone: 'Pacific/Apia', week: '2011-W52', day: 'fri', hour: 18, at: '2011-12-30T10:00:00Z', reads: '00:00', when: 'Samoa skipped the whole of Friday 2011-12-30 (Saturday 00:00 is next)' },
    ];
    for (const c of cases) {
      it(`when ${c.when}, then ${c.hour}:00 becomes the first instant after the gap, ${c.at} (${c.reads} local)`, () => {
        const at = slotAt(c.week, c.day, c.hour, c.zone);

        expect(at.toISOString()).to.equal(new Date(c.at).toISOString());
        const wall = wallClock(at, c.zone);
        expect(`${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`).to.equal(c.reads);
        expect(wallClock(at.getTime() - 1000, c.zone).localMs).to.be.lessThan(wall.midnightMs + (c.hour - (wall.day === c.day ? 0 : 24)) * HOUR_MS);
      });
    }

    const repeated: { zone: string; week: string; day: Weekday; hour: number; at: string; when: string }[] = [
      { zone: 'America/New_York', week: '2026-W44', day: 'sun', hour: 1, at: '2026-11-01T05:00:00Z', when: 'New York repeats 01:00-02:00 on 2026-11-01' },
      { zone: 'Europe/Berlin', week: '2026-W43', day: 'sun', hour: 2, at: '2026-10-25T00:00:00Z', when: 'Berlin repeats 02:00-03:00 on 2026-10-25' },
      { zone: 'Pacific/Chatham', week: '2027-W13', day: 'sun', hour: 3, at: '2027-04-03T13:15:00Z', when: 'Chatham repeats 02:45-03:45 on 2027-04-04' },
      { zone: 'America/Havana', week: '2024-W44', day: 'sun', hour: 0, at: '2024-11-03T04:00:00Z', when: 'Havana repeats midnight on 2024-11-03' },
      { zone: 'America/Santiago', week: '2024-W14', day: 'sat', hour: 23, at: '2024-04-07T02:00:00Z', when: 'Santiago repeats Saturday 23:00 on 2024-04-06' },
    ];
    for (const c of repeated) {
      it(`when ${c.when}, then ${c.hour}:00 is its first occurrence, ${c.at}`, () => {
        const at = slotAt(c.week, c.day, c.hour, c.zone);

        expect(at.toISOString()).to.equal(new Date(c.at).toISOString());
        const wall = wallClock(at, c.zone);
        expect([wall.day, wall.hour, wall.minute]).to.deep.equal([c.day, c.hour, 0]);
        expect(wallClock(at.getTime() + HOUR_MS, c.zone).localMs, 'the clock shows the same time again an hour later').to.be.at.most(wall.localMs);
      });
    }
  });

  describe('slotsBetween over the New York changes, Sunday 18:00', () => {
    const ranges: { when: string; from: string; to: string; weeks: string[]; utcHours: number[] }[] = [
      {
        when: 'the range spans the fall-back of 2026-11-01',
        from: '2026-10-05T00:00:00Z',
        to: '2026-12-07T00:00:00Z',
        weeks: ['2026-W41', '2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47', '2026-W48', '2026-W49'],
        utcHours: [22, 22, 22, 23, 23, 23, 23, 23, 23],
      },
      {
        when: 'the range spans the spring-forward of 2027-03-14',
        from: '2027-02-08T00:00:00Z',
        to: '2027-04-12T00:00:00Z',
        weeks: ['2027-W06', '2027-W07', '2027-W08', '2027-W09', '2027-W10', '2027-W11', '2027-W12', '2027-W13', '2027-W14'],
        utcHours: [23, 23, 23, 23, 22, 22, 22, 22, 22],
      },
    ];
    for (const r of ranges) {
      it(`when ${r.when}, then there is one slot per ISO week, each at 18:00 local`, () => {
        const slots = slotsBetween(utc(r.from), utc(r.to), 'America/New_York', 'sun', 18);

        expect(slots.map((s) => s.week)).to.deep.equal(r.weeks);
        expect(slots.map((s) => s.at.getUTCHours())).to.deep.equal(r.utcHours);
        for (const s of slots) {
          const wall = wallClock(s.at, 'America/New_York');
          expect([wall.day, wall.hour, wall.minute], s.week).to.deep.equal(['sun', 18, 0]);
        }
      });
    }

    it('when the range ends exactly at a slot, then that slot is in it; when it starts there, then it is not', () => {
      const slot = utc('2026-11-01T23:00:00Z');

      expect(slotsBetween(utc('2026-11-01T12:00:00Z'), slot, 'America/New_York', 'sun', 18)).to.deep.equal([{ week: '2026-W44', at: slot }]);
      expect(slotsBetween(slot, utc('2026-11-02T12:00:00Z'), 'America/New_York', 'sun', 18)).to.deep.equal([]);
    });

    it('when the range is empty or reversed, then there is no slot', () => {
      const t = utc('2026-11-01T23:00:00Z');

      expect(slotsBetween(t, t, 'America/New_York', 'sun', 18)).to.deep.equal([]);
      expect(slotsBetween(utc('2026-11-08T00:00:00Z'), utc('2026-10-01T00:00:00Z'), 'America/New_York', 'sun', 18)).to.deep.equal([]);
    });

    it('when a Sydney Sunday 23:00 slot falls in a range, then its week is the Sydney week, not the UTC one', () => {
      const slots = slotsBetween(utc('2026-12-06T11:00:00Z'), utc('2026-12-06T13:00:00Z'), 'Australia/Sydney', 'sun', 23);

      expect(slots).to.deep.equal([{ week: '2026-W49', at: utc('2026-12-06T12:00:00Z') }]);
    });
  });

  describe('ISO weeks', () => {
    const instants: { at: string; zone: string; week: string; when: string }[] = [
      { at: '2027-01-03T12:00:00Z', zone: 'Pacific/Kiritimati', week: '2027-W01', when: 'it is already Monday 2027-01-04 at UTC+14' },
      { at: '2027-01-03T12:00:00Z', zone: 'Pacific/Pago_Pago', week: '2026-W53', when: 'it is still Sunday 2027-01-03 at UTC-11' },
      { at: '2025-12-28T12:00:00Z', zone: 'Pacific/Kiritimati', week: '2026-W01', when: 'it is Monday 2025-12-29 at UTC+14, in week 1 of 2026' },
      { at: '2025-12-28T12:00:00Z', zone: 'Pacific/Pago_Pago', week: '2025-W52', when: 'it is still Sunday 2025-12-28 at UTC-11' },
      { at: '2026-12-31T23:30:00Z', zone: 'America/Los_Angeles', week: '2026-W53', when: 'it is Thursday 2026-12-31 in Los Angeles' },
      { at: '2027-01-03T23:30:00Z', zone: 'America/Los_Angeles', week: '2026-W53', when: 'it is Sunday 2027-01-03 in Los Angeles' },
      { at: '2027-01-03T23:30:00Z', zone: 'Asia/Tokyo', week: '2027-W01', when: 'it is Monday 2027-01-04 in Tokyo' },
      { at: '2027-01-03T23:30:00Z', zone: 'UTC', week: '2026-W53', when: 'it is Sunday 2027-01-03 in UTC' },
      { at: '2020-12-31T12:00:00Z', zone: 'UTC', week: '2020-W53', when: '2020 has 53 weeks too' },
      { at: '2021-01-04T00:00:00Z', zone: 'UTC', week: '2021-W01', when: '2021 starts its weeks on Monday 2021-01-04' },
    ];
    for (const c of instants) {
      it(`when ${c.when}, then isoWeekIn(${c.at}, ${c.zone}) is ${c.week}`, () => {
        expect(isoWeekIn(utc(c.at), c.zone)).to.equal(c.week);
      });
    }

    const shifts: { week: string; n: number; to: string }[] = [
      { week: '2026-W52', n: 1, to: '2026-W53' },
      { week: '2026-W53', n: 1, to: '2027-W01' },
      { week: '2027-W01', n: -1, to: '2026-W53' },
      { week: '2025-W52', n: 1, to: '2026-W01' },
      { week: '2026-W01', n: -1, to: '2025-W52' },
      { week: '2027-W52', n: 1, to: '2028-W01' },
      { week: '2026-W49', n: 0, to: '2026-W49' },
      { week: '2026-W49', n: 52, to: '2027-W48' },
      { week: '2026-W01', n: 53, to: '2027-W01' },
      { week: '2027-W01', n: -53, to: '2026-W01' },
      { week: '2020-W53', n: -52, to: '2020-W01' },
    ];
    for (const c of shifts) {
      it(`when ${c.week} is shifted by ${c.n} weeks, then it is ${c.to}`, () => {
        expect(addWeeks(c.week, c.n)).to.equal(c.to);
      });
    }

    it('when the last week of 2026 is asked for, then 2026-W53 exists and 2027-W01 starts on Monday 2027-01-04', () => {
      expect(slotAt('2026-W53', 'mon', 0, 'UTC').toISOString()).to.equal('2026-12-28T00:00:00.000Z');
      expect(slotAt('2027-W01', 'mon', 0, 'UTC').toISOString()).to.equal('2027-01-04T00:00:00.000Z');
      expect(() => slotAt('2027-W53', 'mon', 0, 'UTC')).to.throw(RangeError, /2027 has weeks 01 to 52/);
    });
  });

  describe('bad input is a programming error', () => {
    const t = utc('2026-06-01T00:00:00Z');
    const throwing: { when: string; call: () => unknown; message: RegExp }[] = [
      { when: 'isoWeekIn gets an unknown zone', call: () => isoWeekIn(t, 'Mars/Olympus_Mons'), message: /Unknown time zone: "Mars\/Olympus_Mons"/ },
      { when: 'slotAt gets an unknown zone', call: () => slotAt('2026-W23', 'mon', 9, 'Europe/Atlantis'), message: /Unknown time zone/ },
      { when: 'slotsBetween gets an unknown zone', call: () => slotsBetween(t, new Date(t.getTime() + HOUR_MS), 'Nowhere', 'mon', 9), message: /Unknown time zone/ },
      { when: 'the zone is empty (Intl would take the machine zone)', call: () => slotAt('2026-W23', 'mon', 9, ''), message: /Unknown time zone: ""/ },
      { when: 'the hour is 24', call: () => slotAt('2026-W23', 'mon', 24, 'UTC'), message: /Hour must be an integer from 0 to 23, not 24/ },
      { when: 'the hour is -1', call: () => slotsBetween(t, new Date(t.getTime() + HOUR_MS), 'UTC', 'mon', -1), message: /Hour must be an integer from 0 to 23/ },
      { when: 'the hour is 9.5', call: () => slotAt('2026-W23', 'mon', 9.5, 'UTC'), message: /Hour must be an integer from 0 to 23/ },
      { when: 'the hour is NaN', call: () => slotAt('2026-W23', 'mon', NaN, 'UTC'), message: /Hour must be an integer from 0 to 23/ },
      { when: 'the weekday is not one of WEEKDAYS', call: () => slotAt('2026-W23', 'monday' as Weekday, 9, 'UTC'), message: /Unknown weekday "monday"/ },
      { when: 'the week label has no W', call: () => slotAt('2026-23', 'mon', 9, 'UTC'), message: /Malformed ISO week label "2026-23"/ },
      { when: 'the week is not zero-padded', call: () => addWeeks('2026-W1', 1), message: /Malformed ISO week label/ },
      { when: 'the week label has trailing text', call: () => addWeeks('2026-W10-1', 1), message: /Malformed ISO week label/ },
      { when: 'the week is 00', call: () => addWeeks('2026-W00', 1), message: /No ISO week "2026-W00"/ },
      { when: 'the week is 53 of a 52-week year', call: () => addWeeks('2025-W53', 1), message: /No ISO week "2025-W53": 2025 has weeks 01 to 52/ },
      { when: 'the week is 54', call: () => slotAt('2026-W54', 'mon', 9, 'UTC'), message: /No ISO week/ },
      { when: 'the weeks to add are not an integer', call: () => addWeeks('2026-W10', 1.5), message: /must be an integer/ },
      { when: 'an instant is an invalid Date', call: () => isoWeekIn(new Date('not a date'), 'UTC'), message: /instant is not a valid Date/ },
      { when: 'the end of a range is an invalid Date', call: () => slotsBetween(t, new Date(NaN), 'UTC', 'mon', 9), message: /to is not a valid Date/ },
    ];
    for (const c of throwing) {
      it(`when ${c.when}, then it throws a RangeError that says so`, () => {
        expect(c.call).to.throw(RangeError, c.message);
      });
    }
  });

  describe('properties', () => {
    // Zones with every kind of change: none, whole hours either hemisphere, 30
    // minutes (Lord Howe), 2 hours (Troll), at midnight (Havana, Beirut, Santiago,
    // Tehran until 2022), a negative summer offset in the data (Dublin), a Ramadan
    // reversal (Casablanca), quarter-hour offsets, both ends of the date line.
    const ZONES = [
      'UTC', 'America/New_York', 'America/Los_Angeles', 'America/St_Johns', 'America/Havana', 'America/Santiago',
      'Europe/Berlin', 'Europe/London', 'Europe/Dublin', 'Africa/Casablanca', 'Asia/Beirut', 'Asia/Tehran',
      'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe',
      'Pacific/Chatham', 'Pacific/Apia', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Antarctica/Troll',
    ];
    const FROM = Date.UTC(2019, 0, 1);
    const TO = Date.UTC(2034, 11, 31);
    const scheduleArb = fc.record({
      zone: fc.constantFrom(...ZONES),
      // Most changes happen on a Sunday between midnight and 03:00: lean there.
      day: fc.oneof(fc.constantFrom(...WEEKDAYS), fc.constant<Weekday>('sun')),
      hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 })),
      from: fc.integer({ min: FROM, max: TO }),
      lengthMinutes: fc.integer({ min: 0, max: (20 * WEEK_MS) / MINUTE_MS }),
    });

    it('when slots are listed for any range up to 20 weeks, then they are in order, one per week, each at the local day and hour or just after its gap', () => {
      fc.assert(
        fc.property(scheduleArb, ({ zone, day, hour, from, lengthMinutes }) => {
          const to = from + lengthMinutes * MINUTE_MS;

          const slots = slotsBetween(new Date(from), new Date(to), zone, day, hour);

          const firstWeek = isoWeekIn(new Date(from), zone);
          const lastWeek = isoWeekIn(new Date(to), zone);
          for (let week = addWeeks(firstWeek, 1); week < lastWeek; week = addWeeks(week, 1)) {
            expect(slots.map((s) => s.week), `interior week ${week}`).to.include(week);
          }
          for (const week of new Set([firstWeek, lastWeek])) {
            const at = slotAt(week, day, hour, zone).getTime();
            expect(slots.some((s) => s.week === week), `edge week ${week}`).to.equal(at > from && at <= to);
          }
          slots.forEach((slot, i) => {
            const t = slot.at.getTime();
            expect(t).to.be.greaterThan(from).and.at.most(to);
            expect(slot.week >= firstWeek && slot.week <= lastWeek, `${slot.week} within ${firstWeek}..${lastWeek}`).to.equal(true);
            if (i > 0) {
              expect(t).to.be.greaterThan(slots[i - 1]!.at.getTime());
              expect(slot.week).to.equal(addWeeks(slots[i - 1]!.week, 1));
            }
            expect(isoWeekIn(slot.at, zone)).to.equal(slot.week);
            expect(slotAt(slot.week, day, hour, zone).getTime()).to.equal(t);

            const wall = wallClock(t, zone);
            expect(wall.day).to.equal(day);
            const wanted = wall.midnightMs + hour * HOUR_MS;
            if (wall.localMs === wanted) {
              // Its first occurrence: the clock did not show this time earlier.
              for (const back of [30, 60, 120]) expect(wallClock(t - back * MINUTE_MS, zone).localMs).to.not.equal(wanted);
            } else {
              // Skipped: the clock jumped over it in the second before the slot.
              expect(wall.localMs).to.be.greaterThan(wanted);
              expect(wallClock(t - 1000, zone).localMs).to.be.lessThan(wanted);
            }
          });
        }),
        { numRuns: 300 },
      );
    });

    it('when an instant is placed in its ISO week, then it lies between that week\'s local Monday midnight and the next one', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, t) => {
          const week = isoWeekIn(new Date(t), zone);

          expect(slotAt(week, 'mon', 0, zone).getTime()).to.be.at.most(t);
          expect(slotAt(addWeeks(week, 1), 'mon', 0, zone).getTime()).to.be.greaterThan(t);
        }),
        { numRuns: 300 },
      );
    });

    it('when weeks are shifted forth and back, then the label comes back, and n single steps equal one step of n', () => {
      fc.assert(
        fc.property(fc.integer({ min: FROM, max: TO }), fc.integer({ min: -120, max: 120 }), (t, n) => {
          const week = isoWeekIn(new Date(t), 'UTC');
          let stepped = week;
          for (let i = 0; i < Math.abs(n); i++) stepped = addWeeks(stepped, Math.sign(n));

          expect(addWeeks(addWeeks(week, n), -n)).to.equal(week);
          expect(addWeeks(week, n)).to.equal(stepped);
          expect(isoWeekIn(new Date(t + n * WEEK_MS), 'UTC')).to.equal(stepped);
        }),
      );
    });
  });
});
