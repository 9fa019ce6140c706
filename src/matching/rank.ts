// Top-k eligible sponsors for a newcomer. One pass over the index checks the hard
// rules in RULES order (so each excluded sponsor is counted under its first failing
// rule), scores the eligible ones from typed columns, and keeps the best k in a
// bounded heap. Reasons (strings) are written for the k winners only, by the pure
// scorePair; the scores agree with it exactly (see test/unit/matching-properties).

import { availabilityMask, localDayNumber, MASK_WORDS, popcount32, SLOT_MINUTES, weekStartOf } from './availability.ts';
import { availableSinceMs, CandidateIndex, contactModeBits, IN_PERSON_BIT, TEXT_BIT } from './candidate-index.ts';
import { acceptedSponsorGenders, countedTimeDays, failingRules, firstFailingRule, haversineKmRaw, isPairBlocked, isProgramMember, primaryLanguage } from './eligibility.ts';
import { daysSince } from './recovery.ts';
import {
  ageBandMask,
  ageFactor,
  availabilityFactor,
  combineFactors,
  contactModesFactor,
  distanceFactor,
  experiencesFactor,
  F,
  FACTOR_COUNT,
  freePlacesFactor,
  lgbtqAffirmingFactor,
  orientationFactor,
  orientationIndex,
  ownSponsorFactor,
  programFactor,
  stepsFactor,
  usableModeCount,
  recoveryGapFactor,
  scorePair,
  weightVector,
} from './scoring.ts';
import {
  AGE_BANDS,
  DEFAULT_MAX_DISTANCE_KM,
  GENDERS,
  RULES,
  type Explanation,
  type MatchingContext,
  type NewcomerProfile,
  type RankResult,
  type RuleName,
  type ScoredSponsor,
  type SponsorProfile,
} from './types.ts';


/**
 * Each hard rule's slot in rank's counts (its position in RULES), looked up by
 * name once at load, so that each column check below reads as the rule it is.
 */
const RULE: Readonly<Record<RuleName, number>> = Object.freeze(Object.fromEntries(RULES.map((name, i) => [name, i])) as Record<RuleName, number>);

function emptyExcluded(): Record<RuleName, number> {
  return Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;
}

/**
 * The one order of proposals (TIE_RULE in types.ts): higher score first; on equal
 * scores fewer places in use, then the earlier availableSince (epoch ms, +Infinity
 * when unknown), then the sponsor id as plain strings (UTF-16 code units, never by
 * locale). Negative when a comes first.
 */
export function compareTied(
  aScore: number, aUsed: number, aSince: number, aId: string,
  bScore: number, bUsed: number, bSince: number, bId: string,
): number {
  if (aScore !== bScore) return bScore - aScore;
  if (aUsed !== bUsed) return aUsed - bUsed;
  if (aSince !== bSince) return aSince < bSince ? -1 : 1;
  return aId < bId ? -1 : aId === bId ? 0 : 1;
}

/** The context the pure functions see for an index: used places come from the index. */
function indexContext(index: CandidateIndex, ctx: MatchingContext): MatchingContext {
  return { ...ctx, usedPlaces: (id) => index.usedPlaces(id) };
}

/** Bounded heap of the k best (compareTied order); the root is the worst kept. */
class TopK {
  readonly scores: Float64Array;
  readonly slots: Int32Array;
  size = 0;
  constructor(
    readonly k: number,
    private readonly ids: (string | undefined)[],
    private readonly used: Int32Array,
    private readonly since: Float64Array,
  ) {
    this.scores = new Float64Array(k);
    this.slots = new Int32Array(k);
  }

  /** a is worse than b */
  private worse(sa: number, ia: number, sb: number, ib: number): boolean {
    if (sa !== sb) return sa < sb;
    const ua = this.used[ia] as number;
    const ub = this.used[ib] as number;
    if (ua !== ub) return ua > ub;
    const ta = this.since[ia] as number;
    const tb = this.since[ib] as number;
    if (ta !== tb) return ta > tb;
    return (this.ids[ib] as string) < (this.ids[ia] as string);
  }

  offer(score: number, slot: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, slot, this.scores[parent] as number, this.slots[parent] as number)) break;
        this.scores[i] = this.scores[parent] as number;
        this.slots[i] = this.slots[parent] as number;
        i = parent;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    if (!this.worse(this.scores[0] as number, this.slots[0] as number, score, slot)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      let c = l;
      if (r < this.size && this.worse(this.scores[r] as number, this.slots[r] as number, this.scores[l] as number, this.slots[l] as number)) c = r;
      if (!this.worse(this.scores[c] as number, this.slots[c] as number, score, slot)) break;
      this.scores[i] = this.scores[c] as number;
      this.slots[i] = this.slots[c] as number;
      i = c;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }
}

/**
 * The k best eligible sponsors for a newcomer, with reasons, and how many sponsors
 * each hard rule left out. Used places are read from the index (setUsedPlaces);
 * program rules, weights and pair history from `ctx`.
 */
export interface RankOptions {
  /** Build the plain-words reasons of the winners (default true); pool runs build them only for chosen pairs. */
  withReasons?: boolean;
}

export function rank(index: CandidateIndex, newcomer: NewcomerProfile, ctx: MatchingContext, k: number, opts: RankOptions = {}): RankResult {
  const now = ctx.now;
  const week = weekStartOf(now);
  const kk = Math.max(0, Math.floor(k));

  // Per program: is it accepted, its rules, its weights.
  const programCount = index.programs.names.length;
  const accepted = new Uint8Array(programCount);
  const known = new Uint8Array(programCount);
  const minDays = new Float64Array(programCount);
  const gapDays = new Float64Array(programCount);
  const requiresOwn = new Uint8Array(programCount);
  const minSteps = new Uint8Array(programCount);
  const ownPreferred = new Uint8Array(programCount);
  const stepsPreferred = new Uint8Array(programCount);
  const countsProgramTime = new Uint8Array(programCount);
  /** 0: the newcomer is outside the program's memberGenders; else the genders a sponsor may be in it. */
  const memberMask = new Uint8Array(programCount);
  const genderMask = new Uint8Array(programCount);
  const programValue = new Float64Array(programCount);
  const weights: Float64Array[] = [];
  const newcomerRules = ctx.programs.get(newcomer.program);
  const acceptedKeys = new Set([newcomer.program, ...newcomer.acceptedPrograms]);
  for (let p = 0; p < programCount; p++) {
    const key = index.programs.names[p] as string;
    accepted[p] = acceptedKeys.has(key) ? 1 : 0;
    const rules = ctx.programs.get(key);
    weights.push(new Float64Array(FACTOR_COUNT));
    if (rules === undefined || accepted[p] === 0) continue;
    known[p] = 1;
    minDays[p] = rules.minRecoveryDays;
    gapDays[p] = rules.minRecoveryGapDays;
    requiresOwn[p] = rules.ownSponsor === 'required' ? 1 : 0;
    minSteps[p] = rules.minStepsCompleted ?? 0;
    ownPreferred[p] = rules.ownSponsor === 'preferred' ? 1 : 0;
    stepsPreferred[p] = rules.completedStepsPreferred ? 1 : 0;
    countsProgramTime[p] = rules.timeCountedAs === 'program' ? 1 : 0;
    const genders = acceptedSponsorGenders(newcomer, rules.genderRule);
    let mask = 0;
    let members = 0;
    for (let g = 0; g < GENDERS.length; g++) {
      if (genders === 'any' || genders.includes(GENDERS[g]!)) mask |= 1 << g;
      if (isProgramMember(rules, GENDERS[g]!)) members |= 1 << g;
    }
    genderMask[p] = mask;
    memberMask[p] = isProgramMember(rules, newcomer.gender) ? members : 0;
    programValue[p] = programFactor(key === newcomer.program, newcomerRules !== undefined && rules.family === newcomerRules.family);
    weightVector(ctx.weightsFor(key), weights[p]);
  }

  // Per zone: today's local date.
  const zoneCount = index.zones.names.length;
  const today = new Float64Array(zoneCount);
  for (let z = 0; z < zoneCount; z++) today[z] = localDayNumber(index.zones.names[z] as string, now);

  // The newcomer, interned like the sponsors.
  const selfSlot = index.slotById.get(newcomer.userId) ?? -1;
  const blocked = new Set<number>();
  for (const [sponsorId, events] of ctx.pairHistory(newcomer.userId)) {
    const slot = index.slotById.get(sponsorId);
    if (slot !== undefined && isPairBlocked(events, now, ctx.pairCooldownDays)) blocked.add(slot);
  }
  const newcomerRecoveryDays = countedTimeDays(newcomer, { timeCountedAs: 'recovery' }, now);
  const newcomerProgramDays = countedTimeDays(newcomer, { timeCountedAs: 'program' }, now);
  const langStride = index.langs.stride;
  const newcomerLangs = new Uint32Array(langStride);
  for (const tag of newcomer.languages) {
    const id = index.languages.ids.get(primaryLanguage(tag));
    if (id !== undefined) newcomerLangs[id >>> 5] = (newcomerLangs[id >>> 5] as number) | (1 << (id & 31));
  }
  const expStride = index.exps.stride;
  const newcomerExps = new Uint32Array(expStride);
  const newcomerExperienceSet = new Set(newcomer.experiences ?? []);
  for (const e of newcomerExperienceSet) {
    const id = index.experiences.ids.get(e);
    if (id !== undefined) newcomerExps[id >>> 5] = (newcomerExps[id >>> 5] as number) | (1 << (id & 31));
  }
  const newcomerExpCount = newcomerExperienceSet.size;
  const newcomerModes = contactModeBits(newcomer.contactModes);
  const newcomerModeCount = popcount32(newcomerModes);
  const newcomerMask = availabilityMask(newcomer, week);
  // The newcomer's few hours in a week touch few of the mask's words: only those are compared, row by row.
  const maskWords = new Int32Array(MASK_WORDS);
  let maskWordCount = 0;
  for (let w = 0; w < MASK_WORDS; w++) if ((newcomerMask[w] as number) !== 0) maskWords[maskWordCount++] = w;
  const newcomerOrientation = orientationIndex(newcomer.spiritualOrientation);
  const orientationMustMatch = newcomer.orientationMustMatch;
  const ageMask = ageBandMask(newcomer.preferredAgeBands);
  const wantsAffirming = newcomer.wantsLgbtqAffirming;
  const newcomerLoc = newcomer.location;
  const hasNewcomerLoc = newcomerLoc !== undefined;
  const nLat = newcomerLoc?.lat ?? 0;
  const nLon = newcomerLoc?.lon ?? 0;
  const maxKm = newcomer.maxDistanceKm ?? DEFAULT_MAX_DISTANCE_KM;
  const distanceApplies = (newcomerModes & IN_PERSON_BIT) !== 0 && hasNewcomerLoc;
  const asyncOk = newcomer.acceptsAsyncOnly === true;
  const newcomerGenderBit = 1 << Math.max(0, GENDERS.indexOf(newcomer.gender));
  const newcomerAgeBit = newcomer.ageBand === undefined ? 0 : 1 << Math.max(0, AGE_BANDS.indexOf(newcomer.ageBand));

  // The heap never needs more room than the rows it may be offered (a pool run asks for every eligible sponsor).
  let visitable = 0;
  for (let p = 0; p < programCount; p++) if (accepted[p] === 1) visitable += index.memberCount[p] ?? 0;
  const excluded = new Int32Array(RULES.length);
  const heap = new TopK(Math.min(kk, visitable), index.ids, index.used, index.availableSince);
  const values = new Float64Array(FACTOR_COUNT);
  let eligibleCount = 0;

  const {
    accepting, capacity, used, recoveryDay, programDay, zone, hasOwnSponsor, steps, gender,
    sponsorsGenders, newcomerAgeBands, orientation, modes, affirming, ageBand, hasLocation, lat, lon, maskWeek,
  } = index;
  const langData = index.langs.data;
  const sponsorLangData = index.sponsorLangs.data;
  const expData = index.exps.data;

  // Only the rows of accepted programs are visited; everyone else is
  // 'program-not-accepted' (or 'same-person', checked first).
  let visited = 0;
  if (selfSlot >= 0) excluded[RULE['same-person']] = 1;
  for (let p = 0; p < programCount; p++) {
    if (accepted[p] === 0) continue;
    const list = index.members[p];
    const count = index.memberCount[p] ?? 0;
    if (list === undefined) continue;
    const selfHere = selfSlot >= 0 && index.program[selfSlot] === p ? 1 : 0;
    visited += count;
    if (known[p] === 0) { excluded[RULE['unknown-program']]! += count - selfHere; continue; }
    const memberMaskP = memberMask[p] as number;
    if (memberMaskP === 0) { excluded[RULE['program-member-genders']]! += count - selfHere; continue; }
    const weightsP = weights[p] as Float64Array;
    const programValueP = programValue[p] as number;
    const minDaysP = minDays[p] as number;
    const gapDaysP = gapDays[p] as number;
    const requiresOwnP = requiresOwn[p] === 1;
    const minStepsP = minSteps[p] as number;
    const ownPreferredP = ownPreferred[p] === 1;
    const stepsPreferredP = stepsPreferred[p] === 1;
    const programTimeP = countsProgramTime[p] === 1;
    const dayColumn = programTimeP ? programDay : recoveryDay;
    const newcomerDays = programTimeP ? newcomerProgramDays : newcomerRecoveryDays;
    const genderMaskP = genderMask[p] as number;
    for (let j = 0; j < count; j++) {
      const i = list[j] as number;
      if (i === selfSlot) continue;
      if (((memberMaskP >>> (gender[i] as number)) & 1) === 0) { excluded[RULE['program-member-genders']]!++; continue; }
      if (accepting[i] === 0) { excluded[RULE['not-accepting']]!++; continue; }
      const cap = capacity[i] as number;
      const usedPlaces = used[i] as number;
      if (usedPlaces >= cap) { excluded[RULE['at-capacity']]!++; continue; }
      if (blocked.size > 0 && blocked.has(i)) { excluded[RULE['pair-blocked']]!++; continue; }
      const sponsorDays = daysSince(dayColumn[i] as number, today[zone[i] as number] as number);
      if (sponsorDays < minDaysP) { excluded[RULE['below-program-minimum']]!++; continue; }
      if (sponsorDays < newcomerDays + gapDaysP) { excluded[RULE['not-more-recovery-than-newcomer']]!++; continue; }
      if (requiresOwnP && hasOwnSponsor[i] === 0) { excluded[RULE['no-own-sponsor']]!++; continue; }
      if ((steps[i] as number) < minStepsP) { excluded[RULE['too-few-steps']]!++; continue; }
      let sharesLanguage = false;
      for (let w = 0, base = i * langStride; w < langStride; w++) {
        if (((langData[base + w] as number) & (newcomerLangs[w] as number)) !== 0) { sharesLanguage = true; break; }
      }
      if (!sharesLanguage) { excluded[RULE['no-shared-language']]!++; continue; }
      let sponsorsLanguage = false;
      for (let w = 0, base = i * langStride; w < langStride; w++) {
        if (((sponsorLangData[base + w] as number) & (newcomerLangs[w] as number)) !== 0) { sponsorsLanguage = true; break; }
      }
      if (!sponsorsLanguage) { excluded[RULE['sponsor-languages-limit']]!++; continue; }
      if (((genderMaskP >>> (gender[i] as number)) & 1) === 0) { excluded[RULE['gender-rule']]!++; continue; }
      const genderLimit = sponsorsGenders[i] as number;
      if (genderLimit !== 0 && (genderLimit & newcomerGenderBit) === 0) { excluded[RULE['sponsor-genders-limit']]!++; continue; }
      const ageLimit = newcomerAgeBands[i] as number;
      if (ageLimit !== 0 && (ageLimit & newcomerAgeBit) === 0) { excluded[RULE['sponsor-age-limit']]!++; continue; }
      const so = orientation[i] as number;
      if (orientationMustMatch && so !== newcomerOrientation) { excluded[RULE['orientation-required']]!++; continue; }
      const sharedModes = (modes[i] as number) & newcomerModes;
      if (sharedModes === 0) { excluded[RULE['no-shared-contact-mode']]!++; continue; }
      if (maskWeek[i] !== week) index.buildMask(i, week);
      const masks = index.masks;
      let overlapSlots = 0;
      for (let q = 0, base = i * MASK_WORDS; q < maskWordCount; q++) {
        const w = maskWords[q] as number;
        const both = (masks[base + w] as number) & (newcomerMask[w] as number);
        if (both !== 0) overlapSlots += popcount32(both);
      }
      const overlap = overlapSlots * SLOT_MINUTES;
      if (overlap === 0 && !(asyncOk && (sharedModes & TEXT_BIT) !== 0)) { excluded[RULE['no-availability-overlap']]!++; continue; }
      const km = hasNewcomerLoc && hasLocation[i] === 1 ? haversineKmRaw(nLat, nLon, lat[i] as number, lon[i] as number) : NaN;
      if (sharedModes === IN_PERSON_BIT && km > maxKm) { excluded[RULE['too-far']]!++; continue; }
      if (sharedModes === IN_PERSON_BIT && km !== km) { excluded[RULE['in-person-distance-unknown']]!++; continue; }

      eligibleCount++;
      let sharedExps = 0;
      if (newcomerExpCount > 0) {
        for (let w = 0, base = i * expStride; w < expStride; w++) {
          const both = (expData[base + w] as number) & (newcomerExps[w] as number);
          if (both !== 0) sharedExps += popcount32(both);
        }
      }
      values[F.program] = programValueP;
      values[F.recoveryGap] = recoveryGapFactor(sponsorDays, newcomerDays);
      values[F.availability] = availabilityFactor(overlap);
      values[F.contactModes] = contactModesFactor(usableModeCount(popcount32(sharedModes), (sharedModes & IN_PERSON_BIT) !== 0, km <= maxKm), newcomerModeCount);
      values[F.experiences] = experiencesFactor(sharedExps, newcomerExpCount);
      values[F.age] = ageFactor(ageMask, ageBand[i] as number);
      values[F.orientation] = orientationFactor(newcomerOrientation, so);
      values[F.lgbtqAffirming] = lgbtqAffirmingFactor(wantsAffirming, affirming[i] === 1);
      values[F.distance] = distanceFactor(distanceApplies, ((modes[i] as number) & IN_PERSON_BIT) !== 0, km, maxKm);
      values[F.freePlaces] = freePlacesFactor(cap - usedPlaces, cap);
      values[F.ownSponsor] = ownSponsorFactor(ownPreferredP, hasOwnSponsor[i] === 1);
      values[F.steps] = stepsFactor(stepsPreferredP, steps[i] as number);
      heap.offer(combineFactors(values, weightsP), i);
    }
  }
  excluded[RULE['program-not-accepted']] = index.size - excluded[RULE['same-person']]! - (visited - (selfSlot >= 0 && accepted[index.program[selfSlot] as number] === 1 ? 1 : 0));

  const pureCtx = indexContext(index, ctx);
  const order = Array.from({ length: heap.size }, (_, h) => h);
  const slotOf = (h: number) => heap.slots[h] as number;
  order.sort((a, b) => {
    const sa = slotOf(a);
    const sb = slotOf(b);
    return compareTied(
      heap.scores[a] as number, used[sa] as number, index.availableSince[sa] as number, index.ids[sa] as string,
      heap.scores[b] as number, used[sb] as number, index.availableSince[sb] as number, index.ids[sb] as string,
    );
  });
  const top: ScoredSponsor[] = [];
  for (const h of order) {
    const profile = index.profiles[slotOf(h)] as SponsorProfile;
    const reasons = opts.withReasons === false ? [] : scorePair(newcomer, profile, pureCtx).reasons;
    top.push({ sponsorId: profile.userId, score: heap.scores[h] as number, reasons });
  }

  const counts = emptyExcluded();
  for (let r = 0; r < RULES.length; r++) counts[RULES[r] as RuleName] = excluded[r] as number;
  return { top, excluded: counts, eligibleCount };
}

/**
 * The same result as `rank`, by brute force over profiles with the pure rules and
 * scorePair (used places from ctx). For tests, tools and small deployments.
 */
export function rankProfiles(
  sponsors: Iterable<SponsorProfile>,
  newcomer: NewcomerProfile,
  ctx: MatchingContext,
  k: number,
): RankResult {
  const excluded = emptyExcluded();
  const eligible: { scored: ScoredSponsor; used: number; since: number }[] = [];
  for (const s of sponsors) {
    const rule = firstFailingRule(newcomer, s, ctx);
    if (rule !== null) excluded[rule]++;
    else eligible.push({ scored: scorePair(newcomer, s, ctx), used: ctx.usedPlaces(s.userId), since: availableSinceMs(s.availableSince) });
  }
  eligible.sort((a, b) =>
    compareTied(a.scored.score, a.used, a.since, a.scored.sponsorId, b.scored.score, b.used, b.since, b.scored.sponsorId),
  );
  const top = eligible.slice(0, Math.max(0, Math.floor(k))).map((e) => e.scored);
  return { top, excluded, eligibleCount: eligible.length };
}

/**
 * One sponsor for one newcomer, for a coordinator: the score and reasons when
 * eligible, otherwise every rule the pair fails. Undefined when the sponsor is unknown.
 */
export function explain(
  source: CandidateIndex | Iterable<SponsorProfile>,
  newcomer: NewcomerProfile,
  sponsorId: string,
  ctx: MatchingContext,
): Explanation | undefined {
  let sponsor: SponsorProfile | undefined;
  let pureCtx = ctx;
  if (source instanceof CandidateIndex) {
    sponsor = source.getSponsor(sponsorId);
    pureCtx = indexContext(source, ctx);
  } else {
    for (const s of source) if (s.userId === sponsorId) { sponsor = s; break; }
  }
  if (sponsor === undefined) return undefined;
  const failing = failingRules(newcomer, sponsor, pureCtx);
  if (failing.length > 0) return { sponsorId, eligible: false, failingRules: failing };
  const scored = scorePair(newcomer, sponsor, pureCtx);
  return { sponsorId, eligible: true, score: scored.score, reasons: scored.reasons };
}
