import { expect } from 'chai';
import fc from 'fast-check';
import { dayNumberOfDate, recoveryDays, wholeYears } from '../../src/matching/recovery.ts';
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
    expect(wholeYears(days)).to.equal(1976);
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
