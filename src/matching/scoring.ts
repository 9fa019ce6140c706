// Soft factors, each 0..1, combined with per-program weights into a 0-100 score.
//
// A factor is "not applicable" (NaN) when the newcomer expressed no preference it
// could serve (no experiences listed, no age preference, no wish for an affirming
// sponsor, no in-person meeting possible), or the program does not prefer it (own
// sponsor, completed steps). It then leaves both sums, so it neither raises nor
// lowers anyone. A sponsor's missing age band counts as a middle 0.5; a missing
// location counts as 0, since an unknown distance must never outscore a known one.
//
// The candidate index computes the same factors from interned columns by calling
// the same small functions below with the same numbers, and `combineFactors` adds
// them in FACTORS order, so both paths give bit-identical scores.

import { maskOverlapMinutes, availabilityMask, weekStartOf } from './availability.ts';
import { canMeetInPerson, countedTimeDays, haversineKm, sharedContactModes, sharedLanguages, sponsoringLanguages } from './eligibility.ts';
import { buildReasons, type PairFacts } from './reasons.ts';
import { recoveryMonths } from './recovery.ts';
import {
  AGE_BANDS,
  DEFAULT_MAX_DISTANCE_KM,
  FACTORS,
  ORIENTATIONS,
  type AgeBand,
  type MatchingContext,
  type MatchingWeights,
  type NewcomerProfile,
  type Orientation,
  type ScoredSponsor,
  type SponsorProfile,
} from './types.ts';

export const FACTOR_COUNT = FACTORS.length;
export const NOT_APPLICABLE = NaN;

/** Index of each factor in FACTORS, for typed-array use. */
export const F = {
  program: 0,
  recoveryGap: 1,
  availability: 2,
  contactModes: 3,
  experiences: 4,
  age: 5,
  orientation: 6,
  lgbtqAffirming: 7,
  distance: 8,
  freePlaces: 9,
  ownSponsor: 10,
  steps: 11,
} as const;

/** Same program 1; another accepted program 0.7 in the same family, 0.4 otherwise. */
export function programFactor(sameProgram: boolean, sameFamily: boolean): number {
  return sameProgram ? 1 : sameFamily ? 0.7 : 0.4;
}

/**
 * Linear in the sponsor's extra time over the newcomer's, full at one year more:
 * the curve saturates early, so a sponsor with 13 months scores as a 5-year one
 * for a newcomer of a month (no fellowship ranks sponsors by seniority).
 */
export const RECOVERY_GAP_FULL_DAYS = 365;
export function recoveryGapFactor(sponsorDays: number, newcomerDays: number): number {
  const extra = sponsorDays - newcomerDays;
  return extra <= 0 ? 0 : extra >= RECOVERY_GAP_FULL_DAYS ? 1 : extra / RECOVERY_GAP_FULL_DAYS;
}

/** Full at 3 hours a week in common. */
export const AVAILABILITY_FULL_MINUTES = 180;
export function availabilityFactor(minutes: number): number {
  return minutes >= AVAILABILITY_FULL_MINUTES ? 1 : minutes / AVAILABILITY_FULL_MINUTES;
}

/** Share of the newcomer's contact modes the sponsor offers too. */
export function contactModesFactor(shared: number, newcomerModes: number): number {
  return newcomerModes === 0 ? 0 : shared / newcomerModes;
}

/** Full with two experiences in common (or all of the newcomer's, if fewer). */
export function experiencesFactor(shared: number, newcomerExperiences: number): number {
  if (newcomerExperiences === 0) return NOT_APPLICABLE;
  const full = newcomerExperiences < 2 ? newcomerExperiences : 2;
  return shared >= full ? 1 : shared / full;
}

/** `preferredMask`: bit i for AGE_BANDS[i]; `sponsorBand`: index in AGE_BANDS or -1. */
export function ageFactor(preferredMask: number, sponsorBand: number): number {
  if (preferredMask === 0) return NOT_APPLICABLE;
  if (sponsorBand < 0) return 0.5;
  if ((preferredMask >>> sponsorBand) & 1) return 1;
  const near = (sponsorBand > 0 ? (preferredMask >>> (sponsorBand - 1)) & 1 : 0) | ((preferredMask >>> (sponsorBand + 1)) & 1);
  return near ? 0.5 : 0;
}

/** Indices in ORIENTATIONS (religious 0, spiritual 1, secular 2). */
export function orientationFactor(newcomer: number, sponsor: number): number {
  if (newcomer === sponsor) return 1;
  return newcomer === 1 || sponsor === 1 ? 0.5 : 0;
}

export function lgbtqAffirmingFactor(wanted: boolean, affirming: boolean): number {
  if (!wanted) return NOT_APPLICABLE;
  return affirming ? 1 : 0;
}

/**
 * Applicable when the newcomer would meet in person and gave a location.
 * `km` NaN: the sponsor gave no location, which scores as no nearness at all
 * (0), so an unknown distance never outscores a known one.
 */
export function distanceFactor(applicable: boolean, sponsorMeetsInPerson: boolean, km: number, maxKm: number): number {
  if (!applicable) return NOT_APPLICABLE;
  if (!sponsorMeetsInPerson) return 0;
  if (km !== km) return 0;
  if (!(maxKm > 0)) return km === 0 ? 1 : 0;
  return km >= maxKm ? 0 : 1 - km / maxKm;
}

export function freePlacesFactor(free: number, capacity: number): number {
  if (!(capacity > 0) || free <= 0) return 0;
  return free >= capacity ? 1 : free / capacity;
}

/** Applicable only where the program prefers (not requires) that a sponsor has a sponsor of their own. */
export function ownSponsorFactor(preferred: boolean, hasOwnSponsor: boolean): number {
  if (!preferred) return NOT_APPLICABLE;
  return hasOwnSponsor ? 1 : 0;
}

export const ALL_STEPS = 12;
/** Applicable only where the program prefers completed steps: the share of the twelve. */
export function stepsFactor(preferred: boolean, stepsCompleted: number): number {
  if (!preferred) return NOT_APPLICABLE;
  if (!(stepsCompleted > 0)) return 0;
  return stepsCompleted >= ALL_STEPS ? 1 : stepsCompleted / ALL_STEPS;
}

/** Shared contact modes the two can use: in person counts only when they can meet in person. */
export function usableModeCount(sharedModes: number, sharesInPerson: boolean, canMeet: boolean): number {
  return sharesInPerson && !canMeet ? sharedModes - 1 : sharedModes;
}

/** Weights as a FACTORS-ordered array; negative or non-finite weights count as 0. */
export function weightVector(weights: MatchingWeights, out: Float64Array = new Float64Array(FACTOR_COUNT)): Float64Array {
  for (let i = 0; i < FACTOR_COUNT; i++) {
    const w = weights[FACTORS[i] as keyof MatchingWeights];
    out[i] = typeof w === 'number' && Number.isFinite(w) && w > 0 ? w : 0;
  }
  return out;
}

/** round1(100 * sum(w*f) / sum(w)) over applicable factors; 0 when no weight applies. */
export function combineFactors(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < FACTOR_COUNT; i++) {
    const f = values[i] as number;
    if (f !== f) continue;
    const w = weights[i] as number;
    num += w * f;
    den += w;
  }
  return den > 0 ? Math.round((1000 * num) / den) / 10 : 0;
}

export function ageBandIndex(band: AgeBand | undefined): number {
  return band === undefined ? -1 : AGE_BANDS.indexOf(band);
}

export function ageBandMask(bands: readonly AgeBand[] | undefined): number {
  let mask = 0;
  for (const b of bands ?? []) {
    const i = AGE_BANDS.indexOf(b);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

export function orientationIndex(o: Orientation): number {
  return ORIENTATIONS.indexOf(o);
}

/** Everything the score and its reasons are made of, for one pair. */
export function pairFacts(newcomer: NewcomerProfile, sponsor: SponsorProfile, ctx: MatchingContext): PairFacts {
  const rules = ctx.programs.get(sponsor.program);
  const newcomerRules = ctx.programs.get(newcomer.program);
  const weekStart = weekStartOf(ctx.now);
  const inPerson = canMeetInPerson(newcomer, sponsor);
  // Only the ways the two can use: in person is never claimed without nearness.
  const modes = sharedContactModes(newcomer.contactModes, sponsor.contactModes).filter((m) => m !== 'in-person' || inPerson);
  const newcomerExperiences = [...new Set(newcomer.experiences ?? [])];
  const sponsorExperiences = new Set([...(sponsor.experiences ?? []), ...(sponsor.experiencesOnCard ?? [])]);
  const onCard = new Set(sponsor.experiencesOnCard ?? []);
  const shared = newcomerExperiences.filter((e) => sponsorExperiences.has(e)).sort();
  const hasLocations = newcomer.location !== undefined && sponsor.location !== undefined;
  return {
    sameProgram: sponsor.program === newcomer.program,
    sameFamily: rules !== undefined && newcomerRules !== undefined && rules.family === newcomerRules.family,
    programName: rules?.name ?? sponsor.program,
    roleWord: rules?.roleWord ?? 'sponsor',
    minRecoveryDays: rules?.minRecoveryDays ?? 0,
    // Counted as the sponsor's program counts time (Al-Anon: time in the program).
    sponsorDays: countedTimeDays(sponsor, rules, ctx.now),
    // Whole calendar months of the same time, so that a year reads on its anniversary in every view.
    sponsorMonths: recoveryMonths(rules?.timeCountedAs === 'program' ? sponsor.programSince : sponsor.recoveryDate, sponsor.timezone, ctx.now),
    timeInProgram: rules?.timeCountedAs === 'program',
    newcomerDays: countedTimeDays(newcomer, rules, ctx.now),
    overlapMinutes: maskOverlapMinutes(availabilityMask(newcomer, weekStart), 0, availabilityMask(sponsor, weekStart), 0),
    sharedModes: modes,
    newcomerModeCount: new Set(newcomer.contactModes).size,
    newcomerExperienceCount: newcomerExperiences.length,
    sharedExperiences: shared,
    sharedExperiencesOnCard: shared.filter((e) => onCard.has(e)),
    preferredAgeMask: ageBandMask(newcomer.preferredAgeBands),
    sponsorAgeBand: ageBandIndex(sponsor.ageBand),
    newcomerOrientation: orientationIndex(newcomer.spiritualOrientation),
    sponsorOrientation: orientationIndex(sponsor.spiritualOrientation),
    wantsAffirming: newcomer.wantsLgbtqAffirming,
    sponsorAffirming: sponsor.lgbtqAffirming,
    distanceApplies: newcomer.contactModes.includes('in-person') && newcomer.location !== undefined,
    sponsorMeetsInPerson: sponsor.contactModes.includes('in-person'),
    canMeetInPerson: inPerson,
    distanceKm: hasLocations ? haversineKm(newcomer.location!, sponsor.location!) : NaN,
    maxDistanceKm: newcomer.maxDistanceKm ?? DEFAULT_MAX_DISTANCE_KM,
    freePlaces: sponsor.capacity - ctx.usedPlaces(sponsor.userId),
    capacity: sponsor.capacity,
    sharedLanguages: sharedLanguages(newcomer.languages, sponsoringLanguages(sponsor)),
    ownSponsorPreferred: rules?.ownSponsor === 'preferred',
    hasOwnSponsor: sponsor.hasOwnSponsor,
    completedStepsPreferred: rules?.completedStepsPreferred === true,
    stepsCompleted: sponsor.stepsCompleted,
  };
}

export function factorValues(facts: PairFacts, out: Float64Array = new Float64Array(FACTOR_COUNT)): Float64Array {
  out[F.program] = programFactor(facts.sameProgram, facts.sameFamily);
  out[F.recoveryGap] = recoveryGapFactor(facts.sponsorDays, facts.newcomerDays);
  out[F.availability] = availabilityFactor(facts.overlapMinutes);
  out[F.contactModes] = contactModesFactor(facts.sharedModes.length, facts.newcomerModeCount);
  out[F.experiences] = experiencesFactor(facts.sharedExperiences.length, facts.newcomerExperienceCount);
  out[F.age] = ageFactor(facts.preferredAgeMask, facts.sponsorAgeBand);
  out[F.orientation] = orientationFactor(facts.newcomerOrientation, facts.sponsorOrientation);
  out[F.lgbtqAffirming] = lgbtqAffirmingFactor(facts.wantsAffirming, facts.sponsorAffirming);
  out[F.distance] = distanceFactor(facts.distanceApplies, facts.sponsorMeetsInPerson, facts.distanceKm, facts.maxDistanceKm);
  out[F.freePlaces] = freePlacesFactor(facts.freePlaces, facts.capacity);
  out[F.ownSponsor] = ownSponsorFactor(facts.ownSponsorPreferred, facts.hasOwnSponsor);
  out[F.steps] = stepsFactor(facts.completedStepsPreferred, facts.stepsCompleted);
  return out;
}

/**
 * Score and reasons for a pair, whether or not it is eligible (check the rules
 * first). Weights are those of the sponsor's program.
 */
export function scorePair(newcomer: NewcomerProfile, sponsor: SponsorProfile, ctx: MatchingContext): ScoredSponsor {
  const facts = pairFacts(newcomer, sponsor, ctx);
  const values = factorValues(facts);
  const weights = weightVector(ctx.weightsFor(sponsor.program));
  return {
    sponsorId: sponsor.userId,
    score: combineFactors(values, weights),
    reasons: buildReasons(facts, values, weights),
  };
}
