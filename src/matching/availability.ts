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

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function intlOffsetMinutes(zone: string, t: number): number {
  const parts = formatterFor(zone).formatToParts(t);
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      default: break;
    }
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / MINUTE_MS);
}

// Offsets per zone per UTC day: at most one change a day (true of every real zone today).
interface DayOffsets {
  before: number;
  after: number;
  /** The instant the offset changes; Infinity when it does not change that day. */
  changeAt: number;
}

const MAX_CACHED_DAYS_PER_ZONE = 8192;
const offsetCache = new Map<string, Map<number, DayOffsets>>();

function dayOffsets(zone: string, day: number): DayOffsets {
  let byDay = offsetCache.get(zone);
  if (byDay === undefined) {
    byDay = new Map();
    offsetCache.set(zone, byDay);
  }
  const cached = byDay.get(day);
  if (cached !== undefined) return cached;
  const t0 = day * DAY_MS;
  const before = intlOffsetMinutes(zone, t0);
  const after = intlOffsetMinutes(zone, t0 + DAY_MS);
  let entry: DayOffsets;
  if (before === after) {
    entry = { before, after, changeAt: Infinity };
  } else {
    let lo = 0;
    let hi = 1440;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (intlOffsetMinutes(zone, t0 + mid * MINUTE_MS) === before) lo = mid;
      else hi = mid;
    }
    entry = { before, after: intlOffsetMinutes(zone, t0 + hi * MINUTE_MS), changeAt: t0 + hi * MINUTE_MS };
  }
  if (byDay.size >= MAX_CACHED_DAYS_PER_ZONE) byDay.clear();
  byDay.set(day, entry);
  return entry;
}

/** UTC offset of `zone` at instant `t`, in minutes (New York in winter: -300). Throws RangeError on an unknown zone. */
export function offsetMinutesAt(zone: string, t: number): number {
  const o = dayOffsets(zone, Math.floor(t / DAY_MS));
  return t < o.changeAt ? o.before : o.after;
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
