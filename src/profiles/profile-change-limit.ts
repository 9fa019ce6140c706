// How often a newcomer may change what their proposals depend on. Every change
// of program, languages, location or preferences re-ranks the sponsors, and a
// few edits compared side by side locate a sponsor (three edits placed one to
// within 1 km) or reveal their age band. Three such changes in a rolling day
// are plenty for a real change of heart and too few to triangulate anyone.
// Pure: the caller brings the stored times and the clock.

import type { NewcomerDoc } from './profiles.model.ts';

export const PROFILE_CHANGES_PER_WINDOW = 3;
export const PROFILE_CHANGE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The newcomer fields whose changes are limited: what selects and orders the sponsors they are shown. */
export const LIMITED_NEWCOMER_FIELDS = [
  'program',
  'acceptedPrograms',
  'languages',
  'location',
  'sponsorGenderPreference',
  'wantsLgbtqAffirming',
  'spiritualOrientation',
  'orientationMustMatch',
  'preferredAgeBands',
  'maxDistanceKm',
] as const satisfies ReadonlyArray<keyof NewcomerDoc>;

export type LimitedNewcomerFields = Pick<NewcomerDoc, (typeof LIMITED_NEWCOMER_FIELDS)[number]>;

// Lists are compared as sets (reordering languages changes no proposal), an
// absent value and an empty list alike, and a location by its stored values.
function canonical(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : [...new Set(value.map((v) => JSON.stringify(canonical(v))))].sort();
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.map(([k, v]) => [k, canonical(v)]);
  }
  return value;
}

/** The limited fields that differ between the stored profile and the one about to replace it. */
export function changedLimitedFields(before: LimitedNewcomerFields, after: LimitedNewcomerFields): string[] {
  return LIMITED_NEWCOMER_FIELDS.filter((f) => JSON.stringify(canonical(before[f])) !== JSON.stringify(canonical(after[f])));
}

export type ChangeDecision = { allowed: true; recent: Date[] } | { allowed: false; retryAfterSeconds: number };

/**
 * Given the times of the latest limited changes (oldest first), whether one
 * more may be made now, and the times to keep if so (the last three); if not,
 * how long until the oldest of the three leaves the window. A time ahead of
 * this clock (another instance's clock runs ahead) still counts.
 */
export function decideProfileChange(recent: readonly Date[], now: Date): ChangeDecision {
  const t = now.getTime();
  const inWindow = recent.map((d) => new Date(d).getTime()).filter((at) => t - at < PROFILE_CHANGE_WINDOW_MS);
  if (inWindow.length >= PROFILE_CHANGES_PER_WINDOW) {
    const oldest = Math.min(...inWindow.slice(-PROFILE_CHANGES_PER_WINDOW));
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + PROFILE_CHANGE_WINDOW_MS - t) / 1000)) };
  }
  return { allowed: true, recent: [...inWindow, t].slice(-PROFILE_CHANGES_PER_WINDOW).map((at) => new Date(at)) };
}
