import { z } from 'zod';

/** How members describe their gender; a program's memberGenders and a profile's gender use the same words. */
export type Gender = 'woman' | 'man' | 'non-binary' | 'another' | 'prefer-not-to-say';
export const GENDERS: readonly Gender[] = ['woman', 'man', 'non-binary', 'another', 'prefer-not-to-say'];

/** The rules a program (fellowship) sets for pairing: data, not code (a deployment adds its own). */
export type ProgramFamily = 'twelve-step' | 'secular' | 'religious' | 'contemplative' | 'family';

/**
 * Whether a program pairs members one to one, and what it calls the experienced
 * member: several secular programs have no sponsors at all, by their own words.
 */
export type Pairing = 'sponsor' | 'mentor' | 'none';

/** Literature a program's rules follow, so that a coordinator can check them. */
export interface ProgramSource {
  title: string;
  url: string;
}

/**
 * `same-gender-by-default`: the newcomer may choose otherwise; `same-required`:
 * the program's own rule, no newcomer override (Celebrate Recovery: "Must be same sex").
 */
export type GenderRule = 'same-gender-by-default' | 'same-required' | 'none';
export const GENDER_RULES: readonly GenderRule[] = ['same-gender-by-default', 'same-required', 'none'];

/** `required`: a hard rule; `preferred`: a soft factor with a weight; `none`: not considered. */
export type OwnSponsorRule = 'required' | 'preferred' | 'none';
export const OWN_SPONSOR_RULES: readonly OwnSponsorRule[] = ['required', 'preferred', 'none'];

export type TimeCountedAs = 'recovery' | 'program';

/** The rules as the matching core reads them. */
export interface ProgramRules {
  key: string;
  name: string;
  family: ProgramFamily;
  /** Derived from `pairing`: the word the texts use for the experienced member. */
  roleWord: 'sponsor' | 'mentor';
  /** Minimum counted time (see timeCountedAs) a sponsor needs, in days. */
  minRecoveryDays: number;
  /** Hard: the sponsor's counted time must be at least the newcomer's plus this many days. */
  minRecoveryGapDays: number;
  genderRule: GenderRule;
  ownSponsor: OwnSponsorRule;
  /** Hard: the sponsor has completed at least this many steps. Absent: no minimum. */
  minStepsCompleted?: number;
  /** Soft: completed steps raise the score (a factor with a weight), never exclude. */
  completedStepsPreferred: boolean;
  /** Hard for both sides: only members of these genders, in this program. Absent or empty: everyone. */
  memberGenders?: Gender[];
  /** Whose date the time is counted from: recovery (a sobriety date) or time in the program (family groups). */
  timeCountedAs: TimeCountedAs;
  experiences: string[];
}

/** A program as it is stored and edited: the rules, how it pairs, and where each rule comes from. */
export interface ProgramSettings extends Omit<ProgramRules, 'roleWord'> {
  pairing: Pairing;
  sources: ProgramSource[];
  /** Plain text: where each rule comes from, and the deliberate choices. */
  notes: string;
  /** What the program offers instead of (or beside) one-to-one pairing, in kind words. */
  offers?: string;
  /** A coordinator of the program approves each sponsor before anyone is proposed to them (src/vetting/). */
  requiresSponsorVetting: boolean;
}

export const roleWordOf = (pairing: Pairing): ProgramRules['roleWord'] => (pairing === 'sponsor' ? 'sponsor' : 'mentor');

/** Whether a member of this gender belongs to the program (memberGenders absent or empty: everyone does). */
export function isProgramMember(rules: Pick<ProgramRules, 'memberGenders'> | undefined, gender: Gender): boolean {
  const members = rules?.memberGenders;
  return members === undefined || members.length === 0 || members.includes(gender);
}

/** Program keys and experience names: short lowercase slugs, the one pattern every schema uses. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const programKey = z.string().regex(SLUG_PATTERN, 'Must be a program key (lowercase letters, digits and dashes).');

export const experienceKey = z.string().regex(SLUG_PATTERN, 'Must be an experience key (lowercase letters, digits and dashes).');
