// Weekly availability across time zones and daylight-saving changes.
//
// Precision policy (the same everywhere, so ranking and explanations agree): time is
// counted in 15-minute UTC slots. A slot counts for a person when it lies entirely
// inside one of their windows, so a window that is not on the quarter hour is
// trimmed inwards (09:10-10:00 counts as 09:15-10:00). Every current UTC offset is a
// multiple of 15 minutes, so quarter-hour local windows lose nothing.
//
// "The week" of a match is the 7 days that start at `weekStartOf(now)`, Monday
// 00:00 UTC; `overlapMinutes` accepts any start instant for other uses.
//
// Local -> UTC follows the zone's real rules for that very date. A time skipped by
// a spring-forward change is moved forward by the gap (02:30 becomes 03:30), and a
// time repeated by a fall-back change takes its first occurrence, like wall clocks.

import { offsetMsAt } from '../lib/zone-offsets.ts';
import { DAYS, type AvailabilityWindow } from './types.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
export const SLOT_MINUTES = 15;
const SLOT_MS = SLOT_MINUTES * MINUTE_MS;
export const SLOTS_PER_WEEK = (7 * 24 * 60) / SLOT_MINUTES;
export const MASK_WORDS = SLOTS_PER_WEEK / 32;

export interface WeeklySchedule {
  timezone: string;
  availability: readonly AvailabilityWindow[];
}

/** UTC offset of `zone` at instant `t`, in minutes (New York in winter: -300). Throws RangeError on an unknown zone. */
export function offsetMinutesAt(zone: string, t: number): number {
  return Math.round(offsetMsAt(zone, t) / MINUTE_MS);
}

/** Days since 1970-01-01 of the local calendar date in `zone` at instant `t`. */
export function localDayNumber(zone: string, t: number): number {
  return Math.floor((t + offsetMinutesAt(zone, t) * MINUTE_MS) / DAY_MS);
}

/** `localMs`: local wall-clock time written as if it were UTC ms. */
export function localToUtc(zone: string, localMs: number): number {
  const early = offsetMinutesAt(zone, localMs - DAY_MS);
  const late = offsetMinutesAt(zone, localMs + DAY_MS);
  if (early === late) return localMs - early * MINUTE_MS;
  const tEarly = localMs - early * MINUTE_MS;
  const tLate = localMs - late * MINUTE_MS;
  const earlyValid = offsetMinutesAt(zone, tEarly) === early;
  const lateValid = offsetMinutesAt(zone, tLate) === late;
  if (earlyValid && lateValid) return Math.min(tEarly, tLate);
  if (earlyValid) return tEarly;
  if (lateValid) return tLate;
  return tEarly;
}

/** Monday 00:00 UTC of the week containing `now`. */
export function weekStartOf(now: number): number {
  const day = Math.floor(now / DAY_MS);
  return (day - mondayIndex(day)) * DAY_MS;
}

/** 0 = Monday ... 6 = Sunday, for a day number since 1970-01-01 (a Thursday). */
function mondayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Minutes since local midnight for 'HH:MM' (24:00 allowed); NaN when malformed. */
export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (m === null) return NaN;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  if (mi > 59 || h > 24 || (h === 24 && mi !== 0)) return NaN;
  return h * 60 + mi;
}

/**
 * Slots of the 7 days from `weekStart` (floored to the quarter hour) covered by the
 * schedule, as MASK_WORDS 32-bit words written into `out` at `at`.
 * Malformed or empty windows are ignored.
 */
export function availabilityMask(
  schedule: WeeklySchedule,
  weekStart: number,
  out: Uint32Array = new Uint32Array(MASK_WORDS),
  at = 0,
): Uint32Array {
  const from = Math.floor(weekStart / SLOT_MS) * SLOT_MS;
  out.fill(0, at, at + MASK_WORDS);
  const firstDay = Math.floor(from / DAY_MS) - 2;
  for (const w of schedule.availability) {
    const dayIdx = DAYS.indexOf(w.day);
    const s = parseClock(w.start);
    const e = parseClock(w.end);
    if (dayIdx < 0 || !(s >= 0 && s < e && e <= 1440)) continue;
    for (let d = firstDay; d <= firstDay + 10; d++) {
      if (mondayIndex(d) !== dayIdx) continue;
      const us = localToUtc(schedule.timezone, d * DAY_MS + s * MINUTE_MS);
      const ue = localToUtc(schedule.timezone, d * DAY_MS + e * MINUTE_MS);
      const first = Math.max(0, Math.ceil((us - from) / SLOT_MS));
      const last = Math.min(SLOTS_PER_WEEK, Math.floor((ue - from) / SLOT_MS));
      for (let slot = first; slot < last; slot++) {
        const i = at + (slot >>> 5);
        out[i] = (out[i] as number) | (1 << (slot & 31));
      }
    }
  }
  return out;
}

export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Minutes in common between two masks stored at word offsets `atA` and `atB`. */
export function maskOverlapMinutes(a: Uint32Array, atA: number, b: Uint32Array, atB: number): number {
  let slots = 0;
  for (let i = 0; i < MASK_WORDS; i++) {
    const both = (a[atA + i] as number) & (b[atB + i] as number);
    if (both !== 0) slots += popcount32(both);
  }
  return slots * SLOT_MINUTES;
}

/** Minutes a week two people are both available, over the 7 days from `from`. */
export function overlapMinutes(a: WeeklySchedule, b: WeeklySchedule, from: number): number {
  return maskOverlapMinutes(availabilityMask(a, from), 0, availabilityMask(b, from), 0);
}
