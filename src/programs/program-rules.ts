import { z } from 'zod';

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

/** The rules as the matching core reads them. */
export interface ProgramRules {
  key: string;
  name: string;
  family: ProgramFamily;
  /** Derived from `pairing`: the word the texts use for the experienced member. */
  roleWord: 'sponsor' | 'mentor';
  minRecoveryDays: number;
  minRecoveryGapDays: number;
  genderRule: 'same-gender-by-default' | 'none';
  requiresOwnSponsor: boolean;
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
}

export const roleWordOf = (pairing: Pairing): ProgramRules['roleWord'] => (pairing === 'sponsor' ? 'sponsor' : 'mentor');

/** Program keys and experience names: short lowercase slugs, the one pattern every schema uses. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const programKey = z.string().regex(SLUG_PATTERN, 'Must be a program key (lowercase letters, digits and dashes).');

export const experienceKey = z.string().regex(SLUG_PATTERN, 'Must be an experience key (lowercase letters, digits and dashes).');
