// When a member's weekly check-in falls: their chosen local weekday and hour, in
// their own IANA zone, through daylight-saving changes.
//
// Written over Intl.DateTimeFormat (the runtime's zone data), not luxon, although
// agenda already brings luxon 3.7 in. Luxon resolves a local time that occurs twice
// by guessing from the zone's offset at the real current time (Settings.now()):
// New York's 01:00 on 2026-11-01 comes out as the first occurrence (05:00Z) when the
// process runs in summer and the second (06:00Z) when it runs in winter, so the
// module would depend on the clock. In a gap luxon moves the time forward by the
// gap's length, which is not "the first instant that exists" when the hour lies
// inside the gap: Chatham's clocks go 02:45 → 03:45, and luxon turns 03:00 into
// 04:00 instead of 03:45. Correcting both takes the zone's offsets on either side of
// the change, which is all that resolving a local time needs, so the rule is
// written once here and luxon would add nothing but a dependency.
//
// The rule for local `day` `hour`:00 of an ISO week:
// - skipped by a change (spring forward): the first instant after the gap
//   (New York 02:00 → 03:00 EDT; Lord Howe 02:00 → 02:30; Havana 00:00 → 01:00);
// - repeated by a change (fall back): its first occurrence, as a wall clock shows it.
// A slot's week is the ISO week it is scheduled in, which is the ISO week of its
// local date unless a change skipped past the end of that week (no zone does today).

import { checkTimeZone, offsetMsAt, offsetsOnUtcDay } from '../lib/zone-offsets.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface CheckInSlot {
  week: string;
  at: Date;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_LABEL = /^(\d{4})-W(\d{2})$/;
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

function firstChangeAfter(zone: string, t: number): number | undefined {
  const first = Math.floor(t / DAY_MS);
  for (let day = first; day <= first + 2; day++) {
    const { changeAt } = offsetsOnUtcDay(zone, day);
    if (changeAt > t && changeAt !== Infinity) return changeAt;
  }
  return undefined;
}

/** The instant a local wall time (written as if it were UTC ms) happens in `zone`, by the rule above. */
function instantOfLocal(zone: string, local: number): number {
  // Every offset that could apply to `local` is in force within a day of it.
  const early = offsetMsAt(zone, local - DAY_MS);
  const late = offsetMsAt(zone, local + DAY_MS);
  const tEarly = local - early;
  if (early === late) return tEarly;
  const tLate = local - late;
  const earlyFits = offsetMsAt(zone, tEarly) === early;
  const lateFits = offsetMsAt(zone, tLate) === late;
  if (earlyFits && lateFits) return Math.min(tEarly, tLate);
  if (earlyFits) return tEarly;
  if (lateFits) return tLate;
  // In a gap: the instants between the two readings show wall times on either side
  // of `local`, and the change between them is the first one after it.
  return firstChangeAfter(zone, Math.min(tEarly, tLate)) ?? Math.max(tEarly, tLate);
}

/** Days since 1970-01-01 (a Thursday) of the local date in `zone` at instant `t`. */
function localDay(zone: string, t: number): number {
  return Math.floor((t + offsetMsAt(zone, t)) / DAY_MS);
}

/** 0 = Monday … 6 = Sunday. */
const weekdayIndex = (day: number): number => (((day + 3) % 7) + 7) % 7;
const mondayOf = (day: number): number => day - weekdayIndex(day);

function dayNumber(year: number, month: number, day: number): number {
  // Not Date.UTC(year, …), which reads years 0 to 99 as 1900 to 1999.
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return Math.floor(t.getTime() / DAY_MS);
}

/** Monday of ISO week 1: the week with the year's first Thursday, so the one holding 4 January. */
const mondayOfWeekOne = (year: number): number => mondayOf(dayNumber(year, 1, 4));

function labelOfMonday(monday: number): string {
  const year = new Date((monday + 3) * DAY_MS).getUTCFullYear();
  if (year < MIN_YEAR || year > MAX_YEAR) throw new RangeError(`ISO week-year ${year} is outside ${MIN_YEAR}..${MAX_YEAR}`);
  const week = (monday - mondayOfWeekOne(year)) / 7 + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function mondayOfLabel(label: string): number {
  const m = typeof label === 'string' ? WEEK_LABEL.exec(label) : null;
  if (m === null) throw new RangeError(`Malformed ISO week label ${JSON.stringify(label)}: expected YYYY-Www such as 2026-W49`);
  const year = Number(m[1]);
  const week = Number(m[2]);
  const weeks = (mondayOfWeekOne(year + 1) - mondayOfWeekOne(year)) / 7;
  if (year < MIN_YEAR || week < 1 || week > weeks) {
    throw new RangeError(`No ISO week ${JSON.stringify(label)}: ${year} has weeks 01 to ${weeks}`);
  }
  return mondayOfWeekOne(year) + (week - 1) * 7;
}

function instantOf(date: Date, name: string): number {
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} is not a valid Date`);
  return t;
}

function dayIndexOf(day: Weekday): number {
  const i = WEEKDAYS.indexOf(day);
  if (i < 0) throw new RangeError(`Unknown weekday ${JSON.stringify(day)}: expected one of ${WEEKDAYS.join(', ')}`);
  return i;
}

function checkHour(hour: number): void {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new RangeError(`Hour must be an integer from 0 to 23, not ${hour}`);
}

/** The ISO week (Monday..Sunday) that contains `instant`'s local date in `zone`, e.g. '2026-W49'. */
export function isoWeekIn(instant: Date, zone: string): string {
  return labelOfMonday(mondayOf(localDay(zone, instantOf(instant, 'instant'))));
}

/**
 * The instant of local `day` at `hour`:00 within ISO `week` in `zone`. A local time
 * that does not exist that day → the first instant after the gap; one that occurs
 * twice → its first occurrence.
 */
export function slotAt(week: string, day: Weekday, hour: number, zone: string): Date {
  const monday = mondayOfLabel(week);
  const dayIndex = dayIndexOf(day);
  checkHour(hour);
  checkTimeZone(zone);
  return new Date(instantOfLocal(zone, (monday + dayIndex) * DAY_MS + hour * HOUR_MS));
}

/** Every slot with from < at <= to, in time order (usually 0 or 1; more when the range is long). */
export function slotsBetween(from: Date, to: Date, zone: string, day: Weekday, hour: number): CheckInSlot[] {
  const start = instantOf(from, 'from');
  const end = instantOf(to, 'to');
  const dayIndex = dayIndexOf(day);
  checkHour(hour);
  checkTimeZone(zone);
  const slots: CheckInSlot[] = [];
  if (end <= start) return slots;
  // A day either side of the local dates of the ends: a gap moves a slot forward by
  // at most a day (Samoa skipped 30 December 2011), and a fall-back takes the local
  // date back across midnight by less.
  const last = mondayOf(localDay(zone, end) + 1);
  for (let monday = mondayOf(localDay(zone, start) - 1); monday <= last; monday += 7) {
    const at = instantOfLocal(zone, (monday + dayIndex) * DAY_MS + hour * HOUR_MS);
    if (at > start && at <= end) slots.push({ week: labelOfMonday(monday), at: new Date(at) });
  }
  return slots;
}

/** The ISO week label shifted by n weeks (n may be negative). */
export function addWeeks(week: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`Weeks to add must be an integer, not ${n}`);
  return labelOfMonday(mondayOfLabel(week) + n * 7);
}
