// Recovery time in whole days, counted in the member's own time zone: on the
// anniversary morning in Sydney the day has already turned, whatever UTC says.

import { dayNumberOfDate } from '../lib/calendar-date.ts';
import { localDayNumber } from './availability.ts';

export { dayNumberOfDate } from '../lib/calendar-date.ts';

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

/** Whole years of recovery, as a newcomer's card shows them (never finer: a day count could reveal a date). */
export function wholeYears(days: number): number {
  return Math.floor(days / 365.25);
}
