import type { AvailabilityWindow, ProfileContact } from './profile-types.ts';
import { DAYS } from './profile-types.ts';

let languageNames: Intl.DisplayNames | undefined;

/** The canonical form of a BCP 47 tag whose language Intl.DisplayNames knows, or undefined. */
export function canonicalLanguageTag(tag: string): string | undefined {
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
  if (!canonical) return undefined;
  const primary = canonical.split('-')[0]!;
  languageNames ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
  const name = languageNames.of(primary);
  return name && name !== primary ? canonical : undefined;
}

/** 'en-GB' -> 'en'; the primary subtag, lower case: what language matching compares. */
export function primaryLanguage(tag: string): string {
  const cut = tag.search(/[-_]/);
  return (cut < 0 ? tag : tag.slice(0, cut)).toLowerCase();
}

export const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const toClock = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Overlapping or touching windows of one day become one; days in week order, windows by start. */
export function mergeWindows(windows: readonly AvailabilityWindow[]): AvailabilityWindow[] {
  const out: AvailabilityWindow[] = [];
  for (const day of DAYS) {
    const spans = windows
      .filter((w) => w.day === day)
      .map((w) => [toMinutes(w.start), toMinutes(w.end)] as [number, number])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur: [number, number] | undefined;
    for (const s of spans) {
      if (cur && s[0] <= cur[1]) cur[1] = Math.max(cur[1], s[1]);
      else {
        if (cur) out.push({ day: day, start: toClock(cur[0]), end: toClock(cur[1]) });
        cur = [s[0], s[1]];
      }
    }
    if (cur) out.push({ day: day, start: toClock(cur[0]), end: toClock(cur[1]) });
  }
  return out;
}

/** Today's calendar date (YYYY-MM-DD) in the given zone at the given instant. */
export function localDate(zone: string, now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export { isCalendarDate } from '../lib/calendar-date.ts';

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** A profile without a contact shares the account email only. */
export function contactOrDefault(contact: ProfileContact | undefined): ProfileContact {
  if (!contact) return { email: true };
  // Only the three known keys, and the email shared only when it says so exactly.
  return {
    email: contact.email === true,
    ...(contact.phone !== undefined ? { phone: contact.phone } : {}),
    ...(contact.note !== undefined ? { note: contact.note } : {}),
  };
}
