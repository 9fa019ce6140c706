import type { ProgramRules, ProgramSettings, ProgramSource } from './program-rules.ts';

const substanceExperiences = ['alcohol', 'opioids', 'stimulants', 'cannabis', 'sedatives', 'methamphetamine', 'cocaine', 'gambling'];
const lifeExperiences = ['co-occurring-mental-health', 'parent', 'veteran', 'justice-involved', 'lgbtq', 'chronic-pain', 'grief'];
const familyExperiences = ['partner-of-someone-in-addiction', 'parent-of-someone-in-addiction', 'adult-child', 'sibling', ...lifeExperiences];

/**
 * The seed's version. Raise it whenever SEED_PROGRAMS changes: at start, seeded
 * programs that no admin edited take the new rules wholesale, and edited ones
 * get defaults for new fields only (programs.repository.ts).
 */
export const SEED_VERSION = 3;

/** The rules as version 1 (and 2) stored them, before ownSponsor, steps, memberGenders and timeCountedAs. */
export interface V1ProgramRules {
  key: string;
  name: string;
  family: ProgramRules['family'];
  roleWord: ProgramRules['roleWord'];
  minRecoveryDays: number;
  minRecoveryGapDays: number;
  genderRule: 'same-gender-by-default' | 'none';
  requiresOwnSponsor: boolean;
  experiences: string[];
}

type V1Rules = Omit<V1ProgramRules, 'key'>;

function v1(key: string, name: string, family: ProgramRules['family'], over: Partial<V1Rules> = {}): V1ProgramRules {
  const twelveStepLike = family === 'twelve-step' || family === 'religious';
  return {
    key,
    name,
    family,
    roleWord: family === 'secular' || family === 'contemplative' ? 'mentor' : 'sponsor',
    minRecoveryDays: 365,
    minRecoveryGapDays: 365,
    genderRule: twelveStepLike ? 'same-gender-by-default' : 'none',
    requiresOwnSponsor: family === 'twelve-step',
    experiences: family === 'family' ? familyExperiences : [...substanceExperiences, ...lifeExperiences],
    ...over,
  };
}

/**
 * Version 1, exactly as earlier code wrote it (without a version mark). Kept
 * only to tell, on a database made by that code, which programs an admin
 * edited: a document still equal to this was not edited.
 */
export const SEED_V1: readonly V1ProgramRules[] = [
  v1('aa', 'Alcoholics Anonymous', 'twelve-step'),
  v1('na', 'Narcotics Anonymous', 'twelve-step'),
  v1('ca', 'Cocaine Anonymous', 'twelve-step'),
  v1('cma', 'Crystal Meth Anonymous', 'twelve-step'),
  v1('ma', 'Marijuana Anonymous', 'twelve-step'),
  v1('ha', 'Heroin Anonymous', 'twelve-step'),
  v1('smart', 'SMART Recovery', 'secular'),
  v1('lifering', 'LifeRing Secular Recovery', 'secular'),
  v1('wfs', 'Women for Sobriety', 'secular'),
  v1('celebrate-recovery', 'Celebrate Recovery', 'religious', { requiresOwnSponsor: false }),
  v1('recovery-dharma', 'Recovery Dharma', 'contemplative'),
  v1('refuge-recovery', 'Refuge Recovery', 'contemplative'),
  v1('al-anon', 'Al-Anon Family Groups', 'family', { requiresOwnSponsor: true }),
  v1('nar-anon', 'Nar-Anon Family Groups', 'family', { requiresOwnSponsor: true }),
];

const src = (title: string, url: string): ProgramSource => ({ title, url });

const YEAR = 365;

/** What every seeded program starts from; each program below states where it differs and why. */
function program(
  key: string,
  name: string,
  family: ProgramRules['family'],
  over: Pick<ProgramSettings, 'pairing' | 'sources' | 'notes'> & Partial<ProgramSettings>,
): ProgramSettings {
  return {
    key,
    name,
    family,
    minRecoveryDays: YEAR,
    // No fellowship states a gap: more time than the newcomer is a soft factor (scoring.ts), the hard rule only "not less".
    minRecoveryGapDays: 0,
    genderRule: 'none',
    ownSponsor: 'none',
    completedStepsPreferred: false,
    timeCountedAs: 'recovery',
    // Every seeded program: a coordinator approves a sponsor before anyone is proposed to them.
    requiresSponsorVetting: true,
    experiences: family === 'family' ? familyExperiences : [...substanceExperiences, ...lifeExperiences],
    ...over,
  };
}

// The twelve-step programs' literature encourages, and does not require, a year,
// same gender, a sponsor of one's own and worked steps: one year stays (the
// service's floor), same gender is a default the newcomer may change, and own
// sponsor and steps are soft factors with weights.
const twelveStep = { genderRule: 'same-gender-by-default', ownSponsor: 'preferred', completedStepsPreferred: true } as const;
const TWELVE_STEP_RULES =
  'Applied here: one year minimum; same gender by default, the newcomer may choose otherwise; own sponsor and completed steps raise the score but do not exclude anyone.';

export const SEED_PROGRAMS: readonly ProgramSettings[] = [
  program('aa', 'Alcoholics Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('Questions & Answers on Sponsorship (P-15), A.A. World Services', 'https://www.aa.org/sites/default/files/literature/p-15_0524.pdf'),
      src('P-15 as reprinted in a beginners meeting', 'https://e-aameetings.org/beginners/beginners_meeting_content/09_sponsorship.txt'),
    ],
    notes: `Sponsorship is central but not required for membership (P-15). About one year is suggested, not required: "a good sponsor probably should be a year or more away from the last drink". Same gender is suggested, and P-15 notes that some gay men and lesbians feel an opposite-sex sponsor is more appropriate: same gender by default, the newcomer may choose otherwise. P-15 does not require the sponsor to have a sponsor. ${TWELVE_STEP_RULES}`,
  }),
  program('na', 'Narcotics Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('Sponsorship, Revised (IP No. 11), NA World Services', 'https://www.nachat.live/whats-a-sponsor/'),
    ],
    notes: `IP No. 11 gives no minimum clean time (a sponsor has more clean time than the sponsee). Same gender for most members, who are free to choose; the point is to avoid attraction. Own sponsor not stated. ${TWELVE_STEP_RULES}`,
  }),
  program('ca', 'Cocaine Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('Choosing Your Sponsor (C.A. pamphlet), as published by C.A. San Diego', 'https://casandiego.org/choosing-your-sponsor'),
      src('Choosing Your Sponsor, as published by C.A. Ireland', 'https://www.caireland.live/choosingyoursponsor'),
    ],
    notes: `"A sponsor should probably be sober for a year or more": suggested, not required. Gender by orientation, as a suggestion: same sex if heterosexual, opposite if gay or lesbian. Own sponsor not stated. ${TWELVE_STEP_RULES}`,
  }),
  program('cma', 'Crystal Meth Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('CMA literature (CMA Australia)', 'https://cma-australia.org.au/literature/'),
      src('What is a Sponsor? (NYCMA intergroup)', 'https://nycma.org/index.php/about-cma/what-is-a-sponsor'),
    ],
    notes: `"Usually with at least one year of continuous sobriety" comes from a local intergroup (NYCMA), not CMA World Services; no world-level text on sponsor qualifications was found. Gender and own sponsor: not found. ${TWELVE_STEP_RULES}`,
  }),
  program('ma', 'Marijuana Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('About Sponsorship, Marijuana Anonymous World Services', 'https://marijuana-anonymous.org/how-it-works/about-sponsorship/'),
      src('Getting a Sponsor, Marijuana Anonymous World Services', 'https://marijuana-anonymous.org/how-it-works/about-sponsorship/getting-a-sponsor/'),
      src('A Word About Sponsorship (2023)', 'https://marijuana-anonymous.org/reading/word-about-sponsorship/'),
    ],
    notes: `Sponsorship is "not required". No minimum time. Having worked all 12 Steps is "ideal". Gender guidance changed: older texts said same gender, the 2023 reading suggests avoiding anyone with whom a romantic relationship is possible. ${TWELVE_STEP_RULES}`,
  }),
  program('ha', 'Heroin Anonymous', 'twelve-step', {
    ...twelveStep, 
    pairing: 'sponsor',
    sources: [
      src('What Is A Sponsor, Heroin Anonymous World Services', 'http://heroinanonymous.org/what-is-a-sponsor/'),
      src('Being A Sponsor, Heroin Anonymous World Services', 'http://heroinanonymous.org/being-a-sponsor/'),
    ],
    notes: `A sponsor "has completed the 12 Steps"; "It does not matter how long we have been sober": completed steps, not time, is HA's rule. Gender and own sponsor: not found. ${TWELVE_STEP_RULES}`,
  }),
  program('smart', 'SMART Recovery', 'secular', {
    pairing: 'none',
    sources: [
      src('SMART Recovery FAQ: "There are no sponsors in SMART Recovery."', 'https://smartrecovery.org/about-us/frequently-asked-questions'),
      src('SMART Recovery for addiction professionals (program tools)', 'https://www.smartrecovery.org/professionals/'),
    ],
    notes:
      'No one-to-one pairing by default: "There are no sponsors in SMART Recovery" (SMART FAQ, read in copies of it); should a group switch pairing on, the service defaults apply (one year, no gender rule). Meetings are led by trained volunteer facilitators. A deployment whose local group does pair experienced members with newer ones can switch pairing to mentor.',
    offers:
      "SMART Recovery doesn't pair people one to one. Instead it offers free meetings, in person and online, led by trained volunteer facilitators, and practical tools from its 4-Point Program, like the Cost/Benefit Analysis and the Change Plan Worksheet.",
  }),
  program('lifering', 'LifeRing Secular Recovery', 'secular', {
    pairing: 'none',
    sources: [
      src('LifeRing FAQ: "Does LifeRing have sponsors?"', 'http://www.liferingsacramento.org/FAQ.html'),
      src('LifeRing: Who, What, Where, When, How, Why', 'http://lifering.org/about-us/media/'),
    ],
    notes:
      'No one-to-one pairing by default: "In LifeRing we each work out personal programs, so there is no real role for a Program guide" (LifeRing FAQ). LifeRing does run one-to-one support by e-mail ("E-mail Pals"); a deployment whose local group pairs members can switch pairing to mentor.',
    offers:
      'LifeRing doesn\'t use sponsors: you build your own recovery plan (the "Recovery by Choice" workbook helps), with support from weekly meetings, online groups, and the phone and e-mail lists shared at meetings.',
  }),
  program('wfs', 'Women for Sobriety', 'secular', {
    pairing: 'none',
    memberGenders: ['woman'],
    sources: [
      src('Women for Sobriety: Community', 'https://womenforsobriety.org/community/'),
      src('Women for Sobriety: New Life Program', 'https://womenforsobriety.org/new-life-program/'),
    ],
    notes:
      'No one-to-one pairing by default: WFS describes its peer support as meetings, an online community and phone support, and no sponsors; no WFS sentence saying "no sponsors" was found, so this is an inference. Membership is for women 18 and over: memberGenders is women, for both sides, also for a newcomer who lists WFS among the programs they accept. A deployment whose local group pairs members can switch pairing to mentor.',
    offers:
      "Women for Sobriety doesn't pair members one to one. It offers women's meetings in person and online, led by certified facilitators, phone support, and the New Life Program's 13 Acceptance Statements, which work on your own as well as in a group.",
  }),
  program('celebrate-recovery', 'Celebrate Recovery', 'religious', {
    pairing: 'sponsor',
    genderRule: 'same-required',
    ownSponsor: 'required',
    minStepsCompleted: 12,
    sources: [
      src('Celebrate Recovery Sponsor Training (M09_01, 2006), prerequisites for sponsors', 'https://expydoc.com/doc/3199288/m09_01-sponsor-training---celebrate-recovery-at-cross-creek'),
      src('Celebrate Recovery: Sponsors and Accountability Partners, comparison chart (2006)', 'https://issuu.com./stevehorton/docs/sponsors_and_accountability_partners'),
    ],
    notes: `The sponsor prerequisites are written as requirements: one continuous year, a completed step study (4th and 5th Step mandatory), their own sponsor and accountability team, and "Must be same sex" for safety reasons. Applied here as hard rules: one year, own sponsor required, all 12 steps completed (the step study), and same gender required with no newcomer override.`,
  }),
  program('recovery-dharma', 'Recovery Dharma', 'contemplative', {
    pairing: 'mentor',
    minRecoveryDays: 0,
    sources: [
      src('Recovery Dharma (2nd edition, 2023), "Wise Friends and Mentors"', 'https://github.com/scott009/RDGAsianMD'),
      src('Recovery Dharma: Friends and Mentors', 'https://recoverydharma.org/resources/friends-mentors/'),
    ],
    notes: `Mentors, optional: "It's not a formal position". No minimum time ("Anyone with any period of time of renunciation and practice can be of service"). Support from someone experienced is encouraged. Gender not stated. Applied here: no minimum time, no gender rule, own sponsor not considered.`,
  }),
  program('refuge-recovery', 'Refuge Recovery', 'contemplative', {
    pairing: 'mentor',
    sources: [src('Refuge Recovery: sangha spotlights (members on mentorship)', 'https://refugerecovery.org/category/spotlight')],
    notes: `Mentors work through the book's inventories with others (member reports); the book's text on mentor qualifications was not found. Recovery Dharma's rules are not assumed to be Refuge Recovery's. Applied here: the service's default of one year, no gender rule, own sponsor not considered.`,
  }),
  program('al-anon', 'Al-Anon Family Groups', 'family', {
    pairing: 'sponsor',
    timeCountedAs: 'program',
    minRecoveryDays: 0,
    sources: [src('Al-Anon: Got sponsors?', 'https://al-anon.org/blog/got-sponsors/')],
    notes: `"There are no requirements for Al-Anon sponsorship" and "Sponsorship is not required". Time in the program, own sponsor and gender: not stated. Applied here: time is counted in the program (since the member first came to Al-Anon), with no minimum; own sponsor not considered; no gender rule by default, a deliberate choice, since the literature states none (a group that pairs by gender can set it).`,
  }),
  program('nar-anon', 'Nar-Anon Family Groups', 'family', {
    pairing: 'sponsor',
    timeCountedAs: 'program',
    minRecoveryDays: 0,
    sources: [
      src('Sponsorship, Nar-Anon Midwest Region (2016)', 'http://www.naranonmidwest.org/sponsorship/'),
      src('Benefits of Sponsorship, Nar-Anon South Africa', 'https://nar-anon.org.za/benefits-of-sponsorship/'),
    ],
    notes: `Regional guidance: best sponsored by a member who has worked the steps, attends meetings and is of the same gender ("It is best"); long-time members are encouraged; no number. Own sponsor not stated. Applied here: time is counted in the program, with no minimum; own sponsor not considered; no gender rule by default, a deliberate choice, since "It is best" is regional guidance, not a rule (a group that pairs by gender can set it).`,
  }),
];
