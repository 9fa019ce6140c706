// Plain, kind words for why a sponsor was proposed or left out.
//
// Privacy: a reason carries `newcomerText` only when it is about the program,
// languages, recovery time, availability, contact modes, or experiences the
// sponsor chose to show on their card. Never gender rules, dates, bio, location,
// age, orientation, or anything about other sponsors.
// Tone: recovery time is stated as a fact, never against a past date or a relapse.

import { wholeYears } from './recovery.ts';
import {
  AGE_BANDS,
  FACTORS,
  ORIENTATIONS,
  type ContactMode,
  type FactorName,
  type NewcomerReason,
  type Reason,
  type RuleName,
} from './types.ts';

export interface PairFacts {
  sameProgram: boolean;
  sameFamily: boolean;
  programName: string;
  roleWord: 'sponsor' | 'mentor';
  minRecoveryDays: number;
  sponsorDays: number;
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
  distanceKm: number;
  maxDistanceKm: number;
  freePlaces: number;
  capacity: number;
  sharedLanguages: string[];
}

const RULE_TEXT: Record<RuleName, string> = {
  'same-person': 'This is the newcomer’s own sponsor profile',
  'program-not-accepted': 'In a program the newcomer has not chosen',
  'unknown-program': 'Program not set up in this service',
  'not-accepting': 'Not taking new sponsees right now',
  'at-capacity': 'No free places right now',
  'pair-blocked': 'These two were paired before or asked not to be',
  'below-program-minimum': 'Recovery time not yet at the program minimum',
  'not-more-recovery-than-newcomer': 'Not enough more recovery time than the newcomer',
  'no-own-sponsor': 'The program asks sponsors to have a sponsor of their own',
  'no-shared-language': 'No language in common',
  'gender-rule': 'Outside the newcomer’s sponsor gender preference',
  'orientation-required': 'A different spiritual approach than the newcomer asked for',
  'no-shared-contact-mode': 'No way of keeping in touch in common',
  'no-availability-overlap': 'No hours in common this week',
  'too-far': 'Too far to meet in person, the only way both can meet',
};

/** A coordinator-facing sentence for a hard rule. */
export function ruleText(rule: RuleName): string {
  return RULE_TEXT[rule];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** '45 days', '8 months', '6 years'. */
export function durationText(days: number): string {
  if (days < 60) return plural(days, 'day');
  if (days >= 365 && days % 365 === 0) return plural(days / 365, 'year');
  if (days < 730) return plural(Math.floor(days / 30.4375), 'month');
  return plural(Math.floor(days / 365.25), 'year');
}

export function hoursText(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  return `${Math.round(minutes / 6) / 10} h`;
}

function listText(items: readonly string[], joiner = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
}

/** 'Can meet in person, or keep in touch by phone or text'. */
export function contactModesText(modes: readonly ContactMode[]): string {
  const remote = (['phone', 'video', 'text'] as const).filter((m) => modes.includes(m));
  const distant = remote.length > 0 ? `keep in touch by ${listText(remote, 'or')}` : '';
  if (!modes.includes('in-person')) return `Can ${distant}`;
  return remote.length > 0 ? `Can meet in person, or ${distant}` : 'Can meet in person';
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

function languageName(code: string): string {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

function experienceWords(keys: readonly string[]): string {
  return listText(keys.map((k) => k.replace(/[-_]/g, ' ')));
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function factorTexts(factor: FactorName, facts: PairFacts, value: number): { text: string; newcomerText?: string } {
  switch (factor) {
    case 'program': {
      const text = facts.sameProgram
        ? `Both in ${facts.programName}`
        : `${capitalise(facts.roleWord)} in ${facts.programName}, an accepted program`;
      return { text, newcomerText: text };
    }
    case 'recoveryGap': {
      const years = `${durationText(facts.sponsorDays)} of recovery`;
      const min = facts.minRecoveryDays % 365 === 0 ? durationText(facts.minRecoveryDays) : plural(facts.minRecoveryDays, 'day');
      const text = facts.minRecoveryDays > 0 ? `${years}; program minimum ${min}` : years;
      // The newcomer sees whole years only, the same number as on the card.
      const y = wholeYears(facts.sponsorDays);
      const newcomerText = y === 0 ? 'Less than a year of recovery' : `${plural(y, 'year')} of recovery`;
      return { text, newcomerText };
    }
    case 'availability': {
      const text =
        facts.overlapMinutes > 0
          ? `${hoursText(facts.overlapMinutes)} a week in common`
          : 'No hours in common this week; both use text';
      return { text, newcomerText: text };
    }
    case 'contactModes': {
      const text = contactModesText(facts.sharedModes);
      return { text, newcomerText: text };
    }
    case 'experiences': {
      if (facts.sharedExperiences.length === 0) return { text: 'No listed experience in common' };
      const text = `Shared experience: ${experienceWords(facts.sharedExperiences)}`;
      return facts.sharedExperiencesOnCard.length > 0
        ? { text, newcomerText: `Shared experience: ${experienceWords(facts.sharedExperiencesOnCard)}` }
        : { text };
    }
    case 'age': {
      if (facts.sponsorAgeBand < 0) return { text: 'Age range not given' };
      const band = AGE_BANDS[facts.sponsorAgeBand] ?? '';
      if (value === 1) return { text: `Age ${band}, a preferred range` };
      if (value > 0) return { text: `Age ${band}, close to a preferred range` };
      return { text: `Age ${band}, outside the preferred ranges` };
    }
    case 'orientation': {
      const mine = ORIENTATIONS[facts.newcomerOrientation] ?? '';
      const theirs = ORIENTATIONS[facts.sponsorOrientation] ?? '';
      return {
        text: mine === theirs ? `Both take a ${mine} approach` : `Different approaches: ${theirs} (newcomer: ${mine})`,
      };
    }
    case 'lgbtqAffirming':
      return { text: facts.sponsorAffirming ? 'LGBTQ+ affirming, as asked' : 'Not listed as LGBTQ+ affirming' };
    case 'distance': {
      if (!facts.sponsorMeetsInPerson) return { text: 'Does not meet in person' };
      if (facts.distanceKm !== facts.distanceKm) return { text: 'Location not given' };
      const km = facts.distanceKm < 1 ? 'Less than 1 km' : `About ${Math.round(facts.distanceKm)} km`;
      return { text: `${km} apart` };
    }
    case 'freePlaces':
      return { text: `${facts.freePlaces} of ${plural(facts.capacity, 'place')} free` };
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
    const text = `Both speak ${listText(facts.sharedLanguages.map(languageName))}`;
    languages.push({ factor: 'languages', contribution: 0, text, newcomerText: text });
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
