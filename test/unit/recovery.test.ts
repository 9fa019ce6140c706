import { expect } from 'chai';
import fc from 'fast-check';
import { calendarMonthsBetween, dayNumberOfDate, recoveryDays, recoveryMonths, recoveryYears } from '../../src/matching/recovery.ts';
import { isCalendarDate } from '../../src/profiles/profile-fields.ts';

const DAY_MS = 86_400_000;
// ISO date-time strings are read with their four-digit year as written, so
// they give the expected day numbers independently of the routine under test.
const isoDay = (ymd: string) => Date.parse(`${ymd}T00:00:00Z`) / DAY_MS;

describe('recovery dates', () => {
  const valid: Array<[string, string]> = [
    ['the epoch', '1970-01-01'],
    ['the earliest recovery date accepted', '1930-01-01'],
    ['a leap day', '2024-02-29'],
    ['year 50 (not 1950)', '0050-03-01'],
    ['year 1 (not 1901)', '0001-01-01'],
    ['year 99 (not 1999)', '0099-12-31'],
    ['year 100', '0100-01-01'],
    ['year 1000', '1000-01-01'],
    ['year 0 (1 BC in ISO 8601)', '0000-01-01'],
  ];
  for (const [what, ymd] of valid) {
    it(`when the date is ${what} (${ymd}), then its day number is the one its ISO instant gives`, () => {
      expect(dayNumberOfDate(ymd)).to.equal(isoDay(ymd));
      expect(isCalendarDate(ymd)).to.equal(true);
    });
  }

  const invalid: Array<[string, string]> = [
    ['February 29 of a common year', '2023-02-29'],
    ['February 29 of 1900 (not a leap year)', '1900-02-29'],
    ['February 29 of year 50 (not a leap year)', '0050-02-29'],
    ['month 13', '2024-13-01'],
    ['day 0', '2024-01-00'],
    ['a date with a time', '2024-01-01T00:00'],
    ['a two-digit year', '50-01-01'],
    ['not a date', 'yesterday'],
  ];
  for (const [what, ymd] of invalid) {
    it(`when the date is ${what} (${ymd}), then it is no date`, () => {
      expect(dayNumberOfDate(ymd)).to.be.NaN;
      expect(isCalendarDate(ymd)).to.equal(false);
    });
  }

  it('when a recovery date is in year 50, then its recovery time counts from year 50, not 1950', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    const days = recoveryDays('0050-01-01', 'UTC', now);
    expect(days).to.equal(isoDay('2026-11-21') - isoDay('0050-01-01'));
    expect(recoveryYears('0050-01-01', 'UTC', now)).to.equal(1976);
  });

  it('when any date from year 1 to 9999 is written as YYYY-MM-DD, then its day number matches its ISO instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const ymd = d.toISOString().slice(0, 10);
        expect(dayNumberOfDate(ymd)).to.equal(isoDay(ymd));
      }),
    );
  });
});

describe('anniversaries: whole years by calendar date in the member’s zone', () => {
  const at = (iso: string) => Date.parse(iso);
  const years: Array<[string, string, string, string, number]> = [
    ['the day before the first anniversary', '2025-06-10', 'UTC', '2026-06-09T12:00:00Z', 0],
    ['the first anniversary (365 days)', '2025-06-10', 'UTC', '2026-06-10T00:00:00Z', 1],
    ['the first anniversary across a February 29 (366 days)', '2023-06-10', 'UTC', '2024-06-10T12:00:00Z', 1],
    ['365 days that end on February 29 (the anniversary is March 1)', '2023-03-01', 'UTC', '2024-02-29T12:00:00Z', 0],
    ['the tenth anniversary', '2016-11-21', 'UTC', '2026-11-21T12:00:00Z', 10],
    ['the day before the tenth anniversary', '2016-11-21', 'UTC', '2026-11-20T12:00:00Z', 9],
    ['a February 29 date, on February 28 of a common year', '2024-02-29', 'UTC', '2025-02-28T12:00:00Z', 1],
    ['a February 29 date, on February 27 of a common year', '2024-02-29', 'UTC', '2025-02-27T12:00:00Z', 0],
    ['a February 29 date, on February 28 of a leap year (the anniversary is the 29th)', '2024-02-29', 'UTC', '2028-02-28T12:00:00Z', 3],
    ['a February 29 date, on February 29 of a leap year', '2024-02-29', 'UTC', '2028-02-29T12:00:00Z', 4],
    ['Sydney’s anniversary morning, still the day before in UTC', '2025-11-21', 'Australia/Sydney', '2026-11-20T22:00:00Z', 1],
    ['the same instant in New York, still the day before there', '2025-11-21', 'America/New_York', '2026-11-20T22:00:00Z', 0],
    ['Honolulu on the evening before, already the anniversary in UTC', '2025-11-21', 'Pacific/Honolulu', '2026-11-21T05:00:00Z', 0],
    ['a date in the future (a typo)', '2030-01-01', 'UTC', '2026-11-21T12:00:00Z', 0],
  ];
  for (const [what, date, zone, now, expected] of years) {
    it(`when it is ${what} (${date} in ${zone}, at ${now}), then it counts ${expected} whole years`, () => {
      expect(recoveryYears(date, zone, at(now))).to.equal(expected);
    });
  }

  it('when the date is absent or malformed, then it counts 0 years and 0 months', () => {
    expect(recoveryYears(undefined, 'UTC', at('2026-11-21T12:00:00Z'))).to.equal(0);
    expect(recoveryMonths('2025-02-30', 'UTC', at('2026-11-21T12:00:00Z'))).to.equal(0);
  });

  const months: Array<[string, string, string, number]> = [
    ['January 31 to February 28 (the month’s last day)', '2025-01-31', '2025-02-28', 1],
    ['January 31 to February 27', '2025-01-31', '2025-02-27', 0],
    ['January 31 to March 30', '2025-01-31', '2025-03-30', 1],
    ['January 31 to March 31', '2025-01-31', '2025-03-31', 2],
    ['a day to itself', '2025-05-05', '2025-05-05', 0],
    ['a later day to an earlier one', '2025-05-05', '2025-04-05', 0],
  ];
  for (const [what, from, to, expected] of months) {
    it(`when counting ${what}, then it is ${expected} whole months`, () => {
      expect(calendarMonthsBetween(dayNumberOfDate(from), dayNumberOfDate(to))).to.equal(expected);
    });
  }

  it('when any date and day are compared, then the years match the calendar: the anniversary (February 28 for a February 29 in a common year) is reached or not', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1930-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 40_000 }),
        (d, later) => {
          const ymd = d.toISOString().slice(0, 10);
          const from = dayNumberOfDate(ymd);
          const to = new Date((from + later) * DAY_MS);
          const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
          const ty = to.getUTCFullYear();
          const leap = (yy: number) => (yy % 4 === 0 && yy % 100 !== 0) || yy % 400 === 0;
          const anniversaryDay = m === 1 && day === 29 && !leap(ty) ? 28 : day;
          const reached = to.getUTCMonth() > m || (to.getUTCMonth() === m && to.getUTCDate() >= anniversaryDay);
          const expected = ty - y - (reached ? 0 : 1);
          expect(Math.floor(calendarMonthsBetween(from, from + later) / 12)).to.equal(Math.max(0, expected));
        },
      ),
    );
  });
});
