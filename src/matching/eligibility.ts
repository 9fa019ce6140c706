// Hard rules: a pair that fails one is never proposed, whatever the weights say.
// They are checked in the order of RULES; the first failure is what coordinators
// see counted, all failures are what "explain this sponsor" shows.

import { overlapMinutes, weekStartOf } from './availability.ts';
import { primaryLanguage } from '../profiles/profile-fields.ts';
import { isProgramMember } from '../programs/program-rules.ts';
import { recoveryDays } from './recovery.ts';
import {
  DEFAULT_MAX_DISTANCE_KM,
  type ContactMode,
  type Gender,
  type Location,
  type MatchingContext,
  type NewcomerProfile,
  type PairEvent,
  type ProgramRules,
  type RuleName,
  type SponsorProfile,
} from './types.ts';

const DAY_MS = 86_400_000;

export { primaryLanguage } from '../profiles/profile-fields.ts';
export { isProgramMember } from '../programs/program-rules.ts';

/** Primary subtags both speak, sorted. */
export function sharedLanguages(a: readonly string[], b: readonly string[]): string[] {
  const mine = new Set(a.map(primaryLanguage));
  const shared = new Set<string>();
  for (const tag of b) {
    const p = primaryLanguage(tag);
    if (mine.has(p)) shared.add(p);
  }
  return [...shared].sort();
}

/**
 * The genders a newcomer accepts for a sponsor in a program with these rules, or
 * 'any'. Under same-gender-by-default an explicit preference wins (an empty list
 * counts as no preference), and the default applies only to newcomers who are a
 * woman or a man. Under same-required the program's rule binds whatever the
 * newcomer says, and a preference can only narrow it (to no one, if it leaves
 * out the newcomer's own gender).
 */
export function acceptedSponsorGenders(
  newcomer: Pick<NewcomerProfile, 'gender' | 'sponsorGenderPreference'>,
  genderRule: ProgramRules['genderRule'],
): 'any' | readonly Gender[] {
  const explicit = newcomer.sponsorGenderPreference;
  const pref =
    explicit ??
    (genderRule === 'same-gender-by-default' && (newcomer.gender === 'woman' || newcomer.gender === 'man')
      ? 'same'
      : 'any');
  const wanted: 'any' | readonly Gender[] = pref === 'any' ? 'any' : pref === 'same' ? [newcomer.gender] : pref.length === 0 ? 'any' : pref;
  if (genderRule !== 'same-required') return wanted;
  return wanted === 'any' || wanted.includes(newcomer.gender) ? [newcomer.gender] : [];
}


/**
 * Whole days of the time a program counts: recovery (from `recoveryDate`) or
 * time in the program (from `programSince`, Al-Anon and Nar-Anon). Cards and
 * the recovery-time rules read this, so both use the same date.
 */
export function countedTimeDays(
  profile: { recoveryDate?: string | undefined; programSince?: string | undefined; timezone: string },
  rules: Pick<ProgramRules, 'timeCountedAs'> | undefined,
  now: number,
): number {
  const date = rules?.timeCountedAs === 'program' ? profile.programSince : profile.recoveryDate;
  return recoveryDays(date, profile.timezone, now);
}

/** The languages a sponsor will sponsor in: their own choice, else all they speak. */
export function sponsoringLanguages(sponsor: Pick<SponsorProfile, 'languages' | 'languagesForSponsoring'>): readonly string[] {
  const chosen = sponsor.languagesForSponsoring;
  return chosen === undefined || chosen.length === 0 ? sponsor.languages : chosen;
}

/** The sponsor's own limit on newcomers' genders (absent or empty: none beyond the program's rule). */
export function isWithinSponsorGenders(sponsor: Pick<SponsorProfile, 'sponsorsGenders'>, gender: Gender): boolean {
  const limit = sponsor.sponsorsGenders;
  return limit === undefined || limit.length === 0 || limit.includes(gender);
}

/** The sponsor's own limit on newcomers' age bands; a newcomer who gave none is outside any stated limit. */
export function isWithinSponsorAgeBands(sponsor: Pick<SponsorProfile, 'newcomerAgeBands'>, band: NewcomerProfile['ageBand']): boolean {
  const limit = sponsor.newcomerAgeBands;
  if (limit === undefined || limit.length === 0) return true;
  return band !== undefined && limit.includes(band);
}

/** Great-circle distance in km. */
export function haversineKm(a: Pick<Location, 'lat' | 'lon'>, b: Pick<Location, 'lat' | 'lon'>): number {
  return haversineKmRaw(a.lat, a.lon, b.lat, b.lon);
}

export function haversineKmRaw(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const sLat = Math.sin(((lat2 - lat1) * rad) / 2);
  const sLon = Math.sin(((lon2 - lon1) * rad) / 2);
  const s = sLat * sLat + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * sLon * sLon;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** A proposal nobody answered: that sponsor is left out of the newcomer's proposals for a day. */
export const EXPIRED_PAIR_COOLDOWN_MS = DAY_MS;

/** Ended or blocked: never again. Declined or rejected: not within the cooldown. Expired: not within a day. */
export function isPairBlocked(events: readonly PairEvent[], now: number, cooldownDays: number): boolean {
  for (const e of events) {
    if (e.kind === 'ended' || e.kind === 'blocked') return true;
    if (now - e.at < (e.kind === 'expired' ? EXPIRED_PAIR_COOLDOWN_MS : cooldownDays * DAY_MS)) return true;
  }
  return false;
}

export function sharedContactModes(a: readonly ContactMode[], b: readonly ContactMode[]): ContactMode[] {
  return a.filter((m, i) => b.includes(m) && a.indexOf(m) === i);
}

/**
 * Whether the two can meet in person: both choose it, both gave a location, and
 * the distance is within the newcomer's maxDistanceKm (default 50 km). Without a
 * location nearness is unknown, so meeting in person is never claimed.
 */
export function canMeetInPerson(
  newcomer: Pick<NewcomerProfile, 'location' | 'maxDistanceKm' | 'contactModes'>,
  sponsor: Pick<SponsorProfile, 'location' | 'contactModes'>,
): boolean {
  if (!newcomer.contactModes.includes('in-person') || !sponsor.contactModes.includes('in-person')) return false;
  if (newcomer.location === undefined || sponsor.location === undefined) return false;
  return haversineKm(newcomer.location, sponsor.location) <= (newcomer.maxDistanceKm ?? DEFAULT_MAX_DISTANCE_KM);
}

const onlyInPerson = (shared: readonly ContactMode[]): boolean => shared.length === 1 && shared[0] === 'in-person';

/** 'too-far' applies only when meeting in person is the only way the two can meet. */
export function isTooFar(
  newcomer: Pick<NewcomerProfile, 'location' | 'maxDistanceKm'>,
  sponsor: Pick<SponsorProfile, 'location'>,
  shared: readonly ContactMode[],
): boolean {
  if (!onlyInPerson(shared)) return false;
  if (newcomer.location === undefined || sponsor.location === undefined) return false;
  return haversineKm(newcomer.location, sponsor.location) > (newcomer.maxDistanceKm ?? DEFAULT_MAX_DISTANCE_KM);
}

/** Meeting in person is the only way the two can meet, and a location is missing: nearness is unknown. */
export function isDistanceUnknown(
  newcomer: Pick<NewcomerProfile, 'location'>,
  sponsor: Pick<SponsorProfile, 'location'>,
  shared: readonly ContactMode[],
): boolean {
  return onlyInPerson(shared) && (newcomer.location === undefined || sponsor.location === undefined);
}

/** Zero hours in common is fine only when both use text and the newcomer said asynchronous contact suits them. */
export function allowsNoCommonHours(newcomer: Pick<NewcomerProfile, 'acceptsAsyncOnly'>, shared: readonly ContactMode[]): boolean {
  return newcomer.acceptsAsyncOnly === true && shared.includes('text');
}

function checkRules(
  newcomer: NewcomerProfile,
  sponsor: SponsorProfile,
  ctx: MatchingContext,
  firstOnly: boolean,
): RuleName[] {
  const failed: RuleName[] = [];
  const fail = (rule: RuleName): boolean => {
    failed.push(rule);
    return firstOnly;
  };

  if (sponsor.userId === newcomer.userId && fail('same-person')) return failed;
  if (sponsor.program !== newcomer.program && !newcomer.acceptedPrograms.includes(sponsor.program)) {
    if (fail('program-not-accepted')) return failed;
  }
  const rules = ctx.programs.get(sponsor.program);
  if (rules === undefined && fail('unknown-program')) return failed;
  if (rules !== undefined && !(isProgramMember(rules, newcomer.gender) && isProgramMember(rules, sponsor.gender))) {
    if (fail('program-member-genders')) return failed;
  }
  if (!sponsor.acceptingNewcomers && fail('not-accepting')) return failed;
  if (ctx.usedPlaces(sponsor.userId) >= sponsor.capacity && fail('at-capacity')) return failed;
  const events = ctx.pairHistory(newcomer.userId).get(sponsor.userId);
  if (events !== undefined && isPairBlocked(events, ctx.now, ctx.pairCooldownDays) && fail('pair-blocked')) {
    return failed;
  }
  if (rules !== undefined) {
    // Time counted as the program counts it, for both sides (the pair is made in the sponsor's program).
    const sponsorDays = countedTimeDays(sponsor, rules, ctx.now);
    if (sponsorDays < rules.minRecoveryDays && fail('below-program-minimum')) return failed;
    const newcomerDays = countedTimeDays(newcomer, rules, ctx.now);
    if (sponsorDays < newcomerDays + rules.minRecoveryGapDays && fail('not-more-recovery-than-newcomer')) {
      return failed;
    }
    if (rules.ownSponsor === 'required' && !sponsor.hasOwnSponsor && fail('no-own-sponsor')) return failed;
    if (rules.minStepsCompleted !== undefined && sponsor.stepsCompleted < rules.minStepsCompleted && fail('too-few-steps')) {
      return failed;
    }
  }
  if (sharedLanguages(newcomer.languages, sponsor.languages).length === 0) {
    if (fail('no-shared-language')) return failed;
  } else if (sharedLanguages(newcomer.languages, sponsoringLanguages(sponsor)).length === 0 && fail('sponsor-languages-limit')) {
    return failed;
  }
  const genders = acceptedSponsorGenders(newcomer, rules?.genderRule ?? 'none');
  if (genders !== 'any' && !genders.includes(sponsor.gender) && fail('gender-rule')) return failed;
  if (!isWithinSponsorGenders(sponsor, newcomer.gender) && fail('sponsor-genders-limit')) return failed;
  if (!isWithinSponsorAgeBands(sponsor, newcomer.ageBand) && fail('sponsor-age-limit')) return failed;
  if (
    newcomer.orientationMustMatch &&
    newcomer.spiritualOrientation !== sponsor.spiritualOrientation &&
    fail('orientation-required')
  ) {
    return failed;
  }
  const modes = sharedContactModes(newcomer.contactModes, sponsor.contactModes);
  if (modes.length === 0 && fail('no-shared-contact-mode')) return failed;
  if (!allowsNoCommonHours(newcomer, modes) && overlapMinutes(newcomer, sponsor, weekStartOf(ctx.now)) === 0) {
    if (fail('no-availability-overlap')) return failed;
  }
  if (isTooFar(newcomer, sponsor, modes) && fail('too-far')) return failed;
  if (isDistanceUnknown(newcomer, sponsor, modes)) fail('in-person-distance-unknown');
  return failed;
}

/** The first hard rule the pair fails, or null when the sponsor may be proposed. */
export function firstFailingRule(
  newcomer: NewcomerProfile,
  sponsor: SponsorProfile,
  ctx: MatchingContext,
): RuleName | null {
  return checkRules(newcomer, sponsor, ctx, true)[0] ?? null;
}

/** Every hard rule the pair fails, in rule order (empty when eligible). */
export function failingRules(newcomer: NewcomerProfile, sponsor: SponsorProfile, ctx: MatchingContext): RuleName[] {
  return checkRules(newcomer, sponsor, ctx, false);
}
