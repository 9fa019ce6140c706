// Plain, kind words for why a sponsor was proposed or left out. The words
// themselves live in texts.ts, the one table of everything matching says.
//
// Privacy: a reason carries `newcomerText` only when it is about the program,
// languages, recovery time, availability, contact modes, or experiences the
// sponsor chose to show on their card. Never gender rules, dates, bio, location,
// age, orientation, or anything about other sponsors.
// Tone: recovery time is stated as a fact, never against a past date or a relapse.
// Honesty: a coordinator sees points beside the words, so the same words never
// earn different points without saying why (a share of the newcomer's ways of
// keeping in touch, full points from 3 hours, ...).

import {
  capitalise,
  count,
  durationText,
  experiencesText,
  hoursText,
  listText,
  minimumText,
  text,
  TEXTS,
} from './texts.ts';
import { AGE_BANDS, FACTORS, ORIENTATIONS, type ContactMode, type FactorName, type NewcomerReason, type Reason } from './types.ts';

export { durationText, hoursText, ruleText } from './texts.ts';

export interface PairFacts {
  sameProgram: boolean;
  sameFamily: boolean;
  programName: string;
  roleWord: 'sponsor' | 'mentor';
  minRecoveryDays: number;
  sponsorDays: number;
  /**
   * Whole calendar months of the sponsor's counted time (recovery.ts): years
   * count on the anniversary, as on the card. Absent: estimated from the days.
   */
  sponsorMonths?: number;
  /** The program counts time in the program (Al-Anon), not recovery: the words say "in Al-Anon". */
  timeInProgram?: boolean;
  newcomerDays: number;
  overlapMinutes: number;
  sharedModes: ContactMode[];
  newcomerModeCount: number;
  newcomerExperienceCount: number;
  sharedExperiences: string[];
  sharedExperiencesOnCard: string[];
  preferredAgeMask: number;
  sponsorAgeBand: number;
  newcomerOrientation: number;
  sponsorOrientation: number;
  wantsAffirming: boolean;
  sponsorAffirming: boolean;
  distanceApplies: boolean;
  sponsorMeetsInPerson: boolean;
  /** Both choose in person, both gave a location, within the newcomer's maxDistanceKm; `sharedModes` then holds in-person. */
  canMeetInPerson: boolean;
  distanceKm: number;
  maxDistanceKm: number;
  freePlaces: number;
  capacity: number;
  sharedLanguages: string[];
  ownSponsorPreferred: boolean;
  hasOwnSponsor: boolean;
  completedStepsPreferred: boolean;
  stepsCompleted: number;
}

/** 'Can meet in person, or keep in touch by phone or text'. */
export function contactModesText(modes: readonly ContactMode[]): string {
  const remote = (['phone', 'video', 'text'] as const).filter((m) => modes.includes(m));
  const distant = listText(remote, 'or');
  if (!modes.includes('in-person')) return text('contact.remote', { modes: distant });
  return remote.length > 0 ? text('contact.inPersonOrRemote', { modes: distant }) : TEXTS['contact.inPerson'];
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

// Every card names its languages: the names are looked up once per code (the set of codes is small and bounded by the index).
const languageNameCache = new Map<string, string>();

function languageName(code: string): string {
  let name = languageNameCache.get(code);
  if (name === undefined) {
    try {
      name = languageNames.of(code) ?? code;
    } catch {
      name = code;
    }
    if (languageNameCache.size < 1000) languageNameCache.set(code, name);
  }
  return name;
}

function timeTexts(facts: PairFacts): { text: string; newcomerText: string } {
  const inProgram = facts.timeInProgram === true;
  const months = facts.sponsorMonths ?? Math.floor((facts.sponsorDays + 1) / 30.4375);
  const time = durationText(facts.sponsorDays, months);
  const gapDays = facts.sponsorDays - facts.newcomerDays;
  const gap = durationText(gapDays);
  const withMinimum = facts.minRecoveryDays > 0;
  const values = { time, gap, minimum: minimumText(facts.minRecoveryDays), program: facts.programName };
  const key = `${inProgram ? 'programTime' : 'recovery'}.${gapDays > 0 ? 'more' : 'notMore'}${withMinimum ? 'WithMinimum' : ''}` as const;
  // The newcomer sees whole years only, the same number as on the card.
  const years = Math.floor(months / 12);
  const newcomerText =
    years === 0
      ? text(inProgram ? 'programTime.lessThanYear.newcomer' : 'recovery.lessThanYear.newcomer', { program: facts.programName })
      : text(inProgram ? 'programTime.years.newcomer' : 'recovery.years.newcomer', { years: count(years, 'unit.year', 'unit.years'), program: facts.programName });
  return { text: text(key, values), newcomerText };
}

function contactTexts(facts: PairFacts): { text: string; newcomerText?: string } {
  const modes = facts.sharedModes;
  if (modes.length === 0) return { text: TEXTS['rule.no-shared-contact-mode'] };
  const plain = contactModesText(modes);
  let coordinator = plain;
  // Both chose in person, but it is not claimed: say why, so the points (a share of the newcomer's ways) add up.
  if (facts.distanceApplies && facts.sponsorMeetsInPerson && !facts.canMeetInPerson && !modes.includes('in-person')) {
    const distant = listText(modes.filter((m) => m !== 'in-person'), 'or');
    coordinator =
      facts.distanceKm === facts.distanceKm
        ? text('contact.remote.inPersonFar', { modes: distant, maxKm: facts.maxDistanceKm })
        : text('contact.remote.inPersonUnknown', { modes: distant });
  }
  if (modes.length < facts.newcomerModeCount) {
    coordinator = text('contact.share', { text: coordinator, shared: modes.length, total: facts.newcomerModeCount });
  }
  return { text: coordinator, newcomerText: plain };
}

function factorTexts(factor: FactorName, facts: PairFacts, value: number): { text: string; newcomerText?: string } {
  switch (factor) {
    case 'program': {
      const values = { Role: capitalise(facts.roleWord), program: facts.programName };
      if (facts.sameProgram) {
        const same = text('program.same', values);
        return { text: same, newcomerText: same };
      }
      return {
        text: text(facts.sameFamily ? 'program.acceptedSameKind' : 'program.acceptedOtherKind', values),
        newcomerText: text('program.accepted.newcomer', values),
      };
    }
    case 'recoveryGap':
      return timeTexts(facts);
    case 'availability': {
      if (facts.overlapMinutes <= 0) return { text: TEXTS['availability.textOnly'], newcomerText: TEXTS['availability.textOnly'] };
      const amount = hoursText(facts.overlapMinutes);
      const plain = text('availability.hours', { amount });
      return { text: value < 1 ? text('availability.hours.partial', { amount }) : plain, newcomerText: plain };
    }
    case 'contactModes':
      return contactTexts(facts);
    case 'experiences': {
      if (facts.sharedExperiences.length === 0) return { text: TEXTS['experiences.none'] };
      const experiences = experiencesText(facts.sharedExperiences);
      // Full points take two in common (or all the newcomer listed, if fewer).
      const full = Math.min(2, facts.newcomerExperienceCount);
      const coordinator =
        value < 1 ? text('experiences.shared.partial', { experiences, full }) : text('experiences.shared', { experiences });
      return facts.sharedExperiencesOnCard.length > 0
        ? { text: coordinator, newcomerText: text('experiences.shared', { experiences: experiencesText(facts.sharedExperiencesOnCard) }) }
        : { text: coordinator };
    }
    case 'age': {
      if (facts.sponsorAgeBand < 0) return { text: TEXTS['age.unknown'] };
      const band = AGE_BANDS[facts.sponsorAgeBand] ?? '';
      if (value === 1) return { text: text('age.preferred', { band }) };
      if (value > 0) return { text: text('age.close', { band }) };
      return { text: text('age.outside', { band }) };
    }
    case 'orientation': {
      const mine = ORIENTATIONS[facts.newcomerOrientation] ?? '';
      const theirs = ORIENTATIONS[facts.sponsorOrientation] ?? '';
      return {
        text: mine === theirs ? text('orientation.same', { orientation: mine }) : text('orientation.different', { sponsor: theirs, newcomer: mine }),
      };
    }
    case 'lgbtqAffirming':
      return { text: facts.sponsorAffirming ? TEXTS['affirming.yes'] : TEXTS['affirming.no'] };
    case 'distance': {
      if (!facts.sponsorMeetsInPerson) return { text: TEXTS['distance.noInPerson'] };
      if (facts.distanceKm !== facts.distanceKm) return { text: TEXTS['distance.unknown'] };
      if (facts.distanceKm < 1) return { text: TEXTS['distance.near'] };
      const values = { km: Math.round(facts.distanceKm), maxKm: facts.maxDistanceKm };
      return { text: text(facts.distanceKm <= facts.maxDistanceKm ? 'distance.within' : 'distance.beyond', values) };
    }
    case 'freePlaces':
      return { text: text('freePlaces.count', { free: facts.freePlaces, places: count(facts.capacity, 'unit.place', 'unit.places') }) };
    case 'ownSponsor':
      return { text: facts.hasOwnSponsor ? TEXTS['ownSponsor.yes'] : TEXTS['ownSponsor.no'] };
    case 'steps':
      return { text: text('steps.count', { steps: count(facts.stepsCompleted, 'unit.step', 'unit.steps') }) };
  }
}

/**
 * Reasons for a scored pair: program, then languages, then the other weighted
 * factors by contribution. Factors that do not apply or weigh 0 are left out.
 */
export function buildReasons(facts: PairFacts, values: ArrayLike<number>, weights: ArrayLike<number>): Reason[] {
  let den = 0;
  for (let i = 0; i < FACTORS.length; i++) {
    const f = values[i] as number;
    if (f === f) den += weights[i] as number;
  }
  const weighted: Reason[] = [];
  for (let i = 0; i < FACTORS.length; i++) {
    const f = values[i] as number;
    const w = weights[i] as number;
    if (f !== f || !(w > 0)) continue;
    const factor = FACTORS[i] as FactorName;
    const contribution = den > 0 ? Math.round((1000 * w * f) / den) / 10 : 0;
    weighted.push({ factor, contribution, ...factorTexts(factor, facts, f) });
  }
  const program = weighted.filter((r) => r.factor === 'program');
  const rest = weighted
    .filter((r) => r.factor !== 'program')
    .sort((a, b) => b.contribution - a.contribution || FACTORS.indexOf(a.factor as FactorName) - FACTORS.indexOf(b.factor as FactorName));
  const languages: Reason[] = [];
  if (facts.sharedLanguages.length > 0) {
    const said = text('languages.shared', { languages: listText(facts.sharedLanguages.map(languageName)) });
    languages.push({ factor: 'languages', contribution: 0, text: said, newcomerText: said });
  }
  return [...program, ...languages, ...rest];
}

/** What a newcomer's card may show: no contributions, only newcomer-safe words. */
export function newcomerSafeReasons(reasons: readonly Reason[]): NewcomerReason[] {
  const out: NewcomerReason[] = [];
  for (const r of reasons) {
    if (r.newcomerText !== undefined) out.push({ factor: r.factor, text: r.newcomerText });
  }
  return out;
}
