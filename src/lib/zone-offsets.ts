// UTC offsets of IANA time zones, read from the runtime's zone data through
// Intl.DateTimeFormat, in ms and to the whole second: some historic offsets have
// seconds (Amsterdam kept +0:19:32 until 1937). Callers that count in minutes
// round the result themselves.
//
// Matching and the check-in fan-out ask about the same few days of the same zones
// for thousands of members, and formatToParts costs a microsecond or two, so the
// offsets are kept per zone per UTC day: the offset at that day's start, the one
// after its change and the instant of the change. That assumes at most one offset
// change within a UTC day, true of every zone's rules; a second change the same day
// would go unseen.

const DAY_MS = 86_400_000;
const SECOND_MS = 1000;
const SECONDS_PER_DAY = 86_400;
const MAX_CACHED_DAYS_PER_ZONE = 8192;

export interface DayOffsets {
  /** Offset in ms at the start of the UTC day. */
  before: number;
  /** Offset in ms from `changeAt` on; equal to `before` when nothing changes. */
  after: number;
  /** The instant the offset changes; Infinity when it does not change that day. */
  changeAt: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, DayOffsets>>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    // Intl reads a missing timeZone as the machine's own zone: never let that through.
    if (typeof zone !== 'string' || zone === '') throw new RangeError(`Unknown time zone: ${JSON.stringify(zone)}`);
    try {
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
    } catch {
      throw new RangeError(`Unknown time zone: ${JSON.stringify(zone)}`);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Throws a RangeError unless `zone` is a time zone the runtime knows (an empty one included). */
export function checkTimeZone(zone: string): void {
  formatterFor(zone);
}

/** Local wall time minus UTC at instant `t`, in ms, read from Intl at `t`'s whole second. */
function intlOffsetMs(zone: string, t: number): number {
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of formatterFor(zone).formatToParts(t)) {
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
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(t / SECOND_MS) * SECOND_MS;
}

/**
 * The offsets of `zone` on UTC day `day` (days since 1970-01-01), with the change
 * found to the second. Throws a RangeError on an unknown zone.
 */
export function offsetsOnUtcDay(zone: string, day: number): DayOffsets {
  let byDay = offsetCache.get(zone);
  if (byDay === undefined) {
    checkTimeZone(zone);
    byDay = new Map();
    offsetCache.set(zone, byDay);
  }
  const cached = byDay.get(day);
  if (cached !== undefined) return cached;
  const t0 = day * DAY_MS;
  const before = intlOffsetMs(zone, t0);
  let entry: DayOffsets = { before, after: before, changeAt: Infinity };
  if (intlOffsetMs(zone, t0 + DAY_MS) !== before) {
    let lo = 0;
    let hi = SECONDS_PER_DAY;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (intlOffsetMs(zone, t0 + mid * SECOND_MS) === before) lo = mid;
      else hi = mid;
    }
    const changeAt = t0 + hi * SECOND_MS;
    entry = { before, after: intlOffsetMs(zone, changeAt), changeAt };
  }
  if (byDay.size >= MAX_CACHED_DAYS_PER_ZONE) byDay.clear();
  byDay.set(day, entry);
  return entry;
}

/** UTC offset of `zone` at instant `t`, in ms (New York in winter: -18,000,000). Throws a RangeError on an unknown zone. */
export function offsetMsAt(zone: string, t: number): number {
  const o = offsetsOnUtcDay(zone, Math.floor(t / DAY_MS));
  return t < o.changeAt ? o.before : o.after;
}
