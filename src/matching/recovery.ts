// Recovery time counted in the member's own time zone: on the anniversary
// morning in Sydney the day has already turned, whatever UTC says.
//
// Years and months are counted by calendar date, the way members count them:
// a year is complete on the anniversary, whatever the number of days in between
// (365 or 366). A date of February 29 has its anniversary on February 28 in
// common years, the last day of that February, so a year is never withheld.

import { dayNumberOfDate } from '../lib/calendar-date.ts';
import { localDayNumber } from './availability.ts';

export { dayNumberOfDate } from '../lib/calendar-date.ts';

const DAY_MS = 86_400_000;

/** Whole days from a recovery day number to `today`; never negative, 0 when unknown. */
export function daysSince(recoveryDay: number, today: number): number {
  const days = today - recoveryDay;
  return days > 0 ? days : 0;
}

/** Continuous recovery in whole days at `now` in `zone`. An absent or malformed date counts as 0. */
export function recoveryDays(recoveryDate: string | undefined, zone: string, now: number): number {
  if (recoveryDate === undefined) return 0;
  const day = dayNumberOfDate(recoveryDate);
  if (Number.isNaN(day)) return 0;
  return daysSince(day, localDayNumber(zone, now));
}

function ymdOfDay(day: number): [number, number, number] {
  const d = new Date(day * DAY_MS);
  return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month + 1, 0);
  return d.getUTCDate();
}

/**
 * Whole calendar months from day number `from` to day number `to` (0 when `to`
 * is not later). A month is complete on the same day of the month, or on the
 * month's last day when it has no such day (January 31 to February 28).
 */
export function calendarMonthsBetween(from: number, to: number): number {
  if (!(to > from)) return 0;
  const [fy, fm, fd] = ymdOfDay(from);
  const [ty, tm, td] = ymdOfDay(to);
  const months = (ty - fy) * 12 + (tm - fm);
  const due = Math.min(fd, daysInMonth(ty, tm));
  return td >= due ? months : months - 1;
}

/** Whole calendar months of recovery at `now` in `zone`; 0 when the date is absent or malformed. */
export function recoveryMonths(recoveryDate: string | undefined, zone: string, now: number): number {
  if (recoveryDate === undefined) return 0;
  const day = dayNumberOfDate(recoveryDate);
  if (Number.isNaN(day)) return 0;
  return calendarMonthsBetween(day, localDayNumber(zone, now));
}

/**
 * Whole years of recovery at `now` in `zone`, as both the newcomer's card and
 * the coordinator's reasons state them (never finer on the card: a day count
 * could reveal a date).
 */
export function recoveryYears(recoveryDate: string | undefined, zone: string, now: number): number {
  return Math.floor(recoveryMonths(recoveryDate, zone, now) / 12);
}
