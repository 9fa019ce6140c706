// Recovery time in whole days, counted in the member's own time zone: on the
// anniversary morning in Sydney the day has already turned, whatever UTC says.

import { localDayNumber } from './availability.ts';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for 'YYYY-MM-DD'; NaN when malformed. */
export function dayNumberOfDate(ymd: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (m === null) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return NaN;
  return Math.floor(t / DAY_MS);
}

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
