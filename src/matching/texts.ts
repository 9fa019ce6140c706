// Every sentence the matching API says, in one table: a reviewer reads all the
// words in one sitting, and a test checks that the API says nothing else
// (test/api/explanations.test.ts). `{name}` marks a value filled in per answer.
//
// Tone (DOMAIN.md): plain, kind, never shaming. Recovery time is a fact, never
// set against a past date or a relapse. Words a newcomer reads never name
// another member's rules, limits or circumstances.

import type { RuleName } from './types.ts';

export const TEXTS = {
  // ---- reasons for a proposed pair: coordinator wording, and the newcomer's where it differs ----
  'program.same': 'Both in {program}',
  'program.acceptedSameKind': '{Role} in {program}, an accepted program of the same kind',
  'program.acceptedOtherKind': '{Role} in {program}, an accepted program of a different kind',
  'program.accepted.newcomer': '{Role} in {program}, an accepted program',
  'languages.shared': 'Both speak {languages}',
  // Points grow with the sponsor's time beyond the newcomer's, so the words say both.
  'recovery.more': '{time} of recovery, {gap} more than the newcomer',
  'recovery.moreWithMinimum': '{time} of recovery, {gap} more than the newcomer; program minimum {minimum}',
  'recovery.notMore': '{time} of recovery, no more than the newcomer',
  'recovery.notMoreWithMinimum': '{time} of recovery, no more than the newcomer; program minimum {minimum}',
  'recovery.years.newcomer': '{years} of recovery',
  'recovery.lessThanYear.newcomer': 'Less than a year of recovery',
  // Programs that count time in the program (Al-Anon, Nar-Anon): never "recovery".
  'programTime.more': '{time} in {program}, {gap} more than the newcomer',
  'programTime.moreWithMinimum': '{time} in {program}, {gap} more than the newcomer; program minimum {minimum}',
  'programTime.notMore': '{time} in {program}, no more than the newcomer',
  'programTime.notMoreWithMinimum': '{time} in {program}, no more than the newcomer; program minimum {minimum}',
  'programTime.years.newcomer': '{years} in {program}',
  'programTime.lessThanYear.newcomer': 'Less than a year in {program}',
  'availability.hours': '{amount} a week in common',
  'availability.hours.partial': '{amount} a week in common (full points from 3 hours)',
  'availability.textOnly': 'No hours in common this week; both use text',
  'contact.inPerson': 'Can meet in person',
  'contact.remote': 'Can keep in touch by {modes}',
  'contact.inPersonOrRemote': 'Can meet in person, or keep in touch by {modes}',
  // Both chose in person, but meeting is not possible: said to the coordinator, never claimed to the newcomer.
  'contact.remote.inPersonFar': 'Can keep in touch by {modes}; both would meet in person, but live more than {maxKm} km apart',
  'contact.remote.inPersonUnknown': 'Can keep in touch by {modes}; both would meet in person, but a location is not given',
  // The points are the share of the newcomer's ways of keeping in touch; the same ways earn less when the newcomer listed more.
  'contact.share': '{text} ({shared} of the newcomer’s {total} ways of keeping in touch)',
  'experiences.shared': 'Shared experience: {experiences}',
  'experiences.shared.partial': 'Shared experience: {experiences} (full points take {full} in common)',
  'experiences.none': 'No listed experience in common',
  'age.preferred': 'Age {band}, a preferred range',
  'age.close': 'Age {band}, close to a preferred range',
  'age.outside': 'Age {band}, outside the preferred ranges',
  'age.unknown': 'Age range not given (counted halfway)',
  'orientation.same': 'Both take a {orientation} approach',
  'orientation.different': 'Different approaches: {sponsor} (newcomer: {newcomer})',
  'affirming.yes': 'LGBTQ+ affirming, as asked',
  'affirming.no': 'Not listed as LGBTQ+ affirming',
  'distance.noInPerson': 'Does not meet in person',
  'distance.unknown': 'Location not given',
  'distance.near': 'Less than 1 km apart',
  'distance.within': 'About {km} km apart, within the newcomer’s {maxKm} km',
  'distance.beyond': 'About {km} km apart, beyond the newcomer’s {maxKm} km',
  'freePlaces.count': '{free} of {places} free',
  'ownSponsor.yes': 'Has a sponsor of their own',
  'ownSponsor.no': 'No sponsor of their own yet',
  'steps.count': '{steps} completed',

  // ---- hard rules, for coordinators ----
  'rule.same-person': 'This is the newcomer’s own sponsor profile',
  'rule.program-not-accepted': 'In a program the newcomer has not chosen',
  'rule.unknown-program': 'Program not set up in this service',
  'rule.not-accepting': 'Not taking new sponsees right now',
  'rule.at-capacity': 'No free places right now',
  'rule.pair-blocked': 'These two were paired before or asked not to be',
  'rule.below-program-minimum': 'Recovery time not yet at the program minimum',
  'rule.not-more-recovery-than-newcomer': 'Not enough more recovery time than the newcomer',
  'rule.no-own-sponsor': 'The program asks sponsors to have a sponsor of their own',
  'rule.program-member-genders': 'The program is for members of other genders',
  'rule.too-few-steps': 'Fewer completed steps than the program asks of sponsors',
  'rule.sponsor-languages-limit': 'Sponsors only in other languages',
  'rule.sponsor-genders-limit': 'Sponsors only newcomers of other genders',
  'rule.sponsor-age-limit': 'Sponsors only newcomers of other ages',
  'rule.in-person-distance-unknown': 'Can meet only in person, and a location is not given',
  'rule.no-shared-language': 'No language in common',
  // Whose rule it is: the newcomer's stated wish, or the program's default.
  'rule.gender-rule': 'Outside the newcomer’s sponsor gender preference',
  'rule.gender-rule.program': 'The program pairs people of the same gender',
  'rule.orientation-required': 'A different spiritual approach than the newcomer asked for',
  'rule.no-shared-contact-mode': 'No way of keeping in touch in common',
  'rule.no-availability-overlap': 'No hours in common this week',
  'rule.too-far': 'Too far to meet in person, the only way both can meet',
  // Not a rule of the matching core: an unvetted sponsor is kept out of the candidate index altogether.
  'vetting.pending': 'Not yet approved by a coordinator of the program: not proposed to anyone until then',
  'vetting.refused': 'Not approved by a coordinator of the program: not proposed to anyone',

  // ---- ties, for coordinators ----
  tieRule: 'Equal scores: fewer places in use first, then the sponsor who has been available longest, then a stable id order',

  // ---- a newcomer left unmatched by a pool run ----
  'unmatched.noneEligible': 'No sponsor passes every rule for this newcomer.',
  'unmatched.allFull': 'Every eligible sponsor’s places were taken by other newcomers in this run: {sponsors}, all full.',
  'unmatched.oneFull': 'The one eligible sponsor’s places were taken by other newcomers in this run: 1 eligible sponsor, full.',
  'unmatched.zeroScore': 'A run by score pairs only for a score above 0, and {sponsors} scored 0 for this newcomer.',

  // ---- no proposals: kind words, what to do now, and the crisis line ----
  'empty.noneInProgram': 'There is no {role} in {program} on this service yet. That is about how new the service is here, not about you.',
  'empty.language': 'There is no {role} in {program} here yet who speaks your language. New {role}s join, and you can look again any time.',
  'empty.full': 'Every {role} in {program} here is already helping as many people as they can right now. Places free up, and you can look again any time.',
  'empty.programAsks': 'The {role}s in {program} here do not yet have all that the program asks of a {role}. New {role}s join, and you can look again any time.',
  'empty.notYet': 'No {role} here fits what you asked for yet. New {role}s join, and you can look again any time.',
  'empty.whatYouCanDo': 'You don’t need a {role} to start: {program} meetings are open to you now, in person and online, and the people there are glad to talk and to share their phone numbers.',
  'empty.whatYouCanDo.offers': 'You don’t need a {role} to start: {program} meetings are open to you now. {offers}',
  'crisisLine': 'If you are in crisis or thinking about harming yourself, reach out now: {crisisLine}.',

  // ---- a program without one-to-one pairing ----
  'unavailable.reason': '{program} doesn\'t pair members one to one, so there are no {program} sponsors to propose, and that is how the program is meant to work.',
  'unavailable.offers': '{program} offers meetings and the support of its members; the people at a meeting can tell you what else it has.',

  // ---- once per answer, for a newcomer who lists co-occurring mental health (mental-health referral) ----
  mentalHealth:
    'Peer support works best beside professional care. A doctor, a counsellor or a local mental health service can help with your mental health, alongside the people you meet here. If things feel urgent, reach out now: {crisisLine}.',

  // ---- words inside the sentences above ----
  'unit.day': '{n} day',
  'unit.days': '{n} days',
  'unit.month': '{n} month',
  'unit.months': '{n} months',
  'unit.year': '{n} year',
  'unit.years': '{n} years',
  'unit.yearAndMonths': '{years} and {months}',
  'unit.step': '{n} step',
  'unit.steps': '{n} steps',
  'unit.place': '{n} place',
  'unit.places': '{n} places',
  'unit.eligibleSponsor': '{n} eligible sponsor',
  'unit.eligibleSponsors': '{n} eligible sponsors',
  'hours.underQuarter': 'less than 15 minutes',
  'hours.minutes': 'about {n} minutes',
  'hours.one': 'about an hour',
  'hours.oneAndHalf': 'about an hour and a half',
  'hours.two': 'about 2 hours',
  'hours.twoAndHalf': 'about two and a half hours',
  'hours.many': 'about {n} hours',
} as const;

export type TextKey = keyof typeof TEXTS;

/** The template with each `{name}` replaced; a name without a value stays visible, so a test catches it. */
export function text(key: TextKey, values: Record<string, string | number> = {}): string {
  return TEXTS[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

// Every rule has its sentence: a rule added to RULES without one here fails the typecheck.
const RULE_TEXTS: Readonly<Record<`rule.${RuleName}`, string>> = TEXTS;

/** A sentence for a hard rule. `genderPreferenceStated`: whether a gender rule is the newcomer's own wish or the program's default. */
export function ruleText(rule: RuleName, opts: { genderPreferenceStated?: boolean } = {}): string {
  if (rule === 'gender-rule' && opts.genderPreferenceStated === false) return TEXTS['rule.gender-rule.program'];
  return RULE_TEXTS[`rule.${rule}`];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const alternatives = (prefix: string) =>
  `(?:${(Object.entries(TEXTS) as Array<[string, string]>)
    .filter(([key]) => key.startsWith(prefix))
    .map(([, t]) => escapeRegExp(t).replace('\\{n\\}', '\\d+'))
    .join('|')})`;
const DURATION = '\\d+ (?:days?|months?|years?)(?: and \\d+ months?)?';
// What each value may be, where the table decides it: '3.3 h' is no amount of time the table says.
const VALUE_PATTERNS: Readonly<Record<string, string>> = {
  amount: alternatives('hours.'),
  time: DURATION,
  gap: DURATION,
  minimum: DURATION,
  years: '\\d+ years?',
  places: '\\d+ places?',
  steps: '\\d+ steps?',
  sponsors: '\\d+ eligible sponsors?',
  free: '-?\\d+',
  shared: '\\d+',
  total: '\\d+',
  full: '\\d+',
  km: '\\d+',
  maxKm: '\\d+(?:\\.\\d+)?',
};

// Whole sentences only: the small words (units, amounts) are parts of sentences, and would match almost anything.
const TEMPLATE_PATTERNS = (Object.entries(TEXTS) as Array<[string, string]>)
  .filter(([key]) => !key.startsWith('unit.') && !key.startsWith('hours.'))
  .map(([, t]) => new RegExp(`^${escapeRegExp(t).replace(/\\\{(\w+)\\\}/g, (_, name: string) => `(?:${VALUE_PATTERNS[name] ?? '.+?'})`)}$`, 's'));

/** Whether a sentence is one of the table's sentences with its values filled in (for tests and reviews). */
export function isFromTable(sentence: string): boolean {
  return TEMPLATE_PATTERNS.some((p) => p.test(sentence));
}

// ---- the small words ----

export function count(n: number, one: TextKey, many: TextKey): string {
  return text(n === 1 ? one : many, { n });
}

/** 'a, b and c'. */
export function listText(items: readonly string[], joiner = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1]}`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Recovery time for a coordinator, from whole days and whole calendar months:
 * '45 days', '8 months', '1 year', '1 year and 3 months', '6 years'. A year
 * counts on the anniversary's calendar date, as on the newcomer's card.
 * Without `months` (a span that is not from one calendar date, like the gap
 * between two members' times), months are estimated from the days.
 */
export function durationText(days: number, months: number = Math.floor((days + 1) / 30.4375)): string {
  if (days < 60 || months < 1) return count(days, 'unit.day', 'unit.days');
  if (months < 12) return count(months, 'unit.month', 'unit.months');
  const years = Math.floor(months / 12);
  const rest = months % 12;
  if (years >= 2 || rest === 0) return count(years, 'unit.year', 'unit.years');
  return text('unit.yearAndMonths', { years: count(years, 'unit.year', 'unit.years'), months: count(rest, 'unit.month', 'unit.months') });
}

/** A program's minimum time, as configured in days: '1 year', '180 days'. */
export function minimumText(days: number): string {
  return days > 0 && days % 365 === 0 ? count(days / 365, 'unit.year', 'unit.years') : count(days, 'unit.day', 'unit.days');
}

/** 'about 30 minutes', 'about an hour', 'about 3 hours': a week's overlap, never finer than a quarter of an hour. */
export function hoursText(minutes: number): string {
  if (minutes < 15) return TEXTS['hours.underQuarter'];
  if (minutes < 53) return text('hours.minutes', { n: Math.round(minutes / 15) * 15 });
  if (minutes < 75) return TEXTS['hours.one'];
  if (minutes < 105) return TEXTS['hours.oneAndHalf'];
  if (minutes < 135) return TEXTS['hours.two'];
  // Never "3 hours" below 3: full points start there, and the same words should earn the same points.
  if (minutes < 180) return TEXTS['hours.twoAndHalf'];
  return text('hours.many', { n: Math.round(minutes / 60) });
}

/**
 * Display names of experiences. The program registry lists experiences by key;
 * a key without a name here reads as its words ('chronic-pain': 'chronic pain').
 */
const EXPERIENCE_NAMES: Readonly<Record<string, string>> = {
  'co-occurring-mental-health': 'co-occurring mental health',
  lgbtq: 'LGBTQ+',
  parent: 'being a parent',
  veteran: 'military service',
  'justice-involved': 'the justice system',
  'adult-child': 'adult child of someone in addiction',
  sibling: 'sibling of someone in addiction',
};

export function experienceName(key: string): string {
  return EXPERIENCE_NAMES[key] ?? key.replace(/[-_]+/g, ' ');
}

export function experiencesText(keys: readonly string[]): string {
  return listText(keys.map(experienceName));
}
