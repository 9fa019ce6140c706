import { z } from 'zod';

/** The rules a program (fellowship) sets for pairing: data, not code (a deployment adds its own). */
export type ProgramFamily = 'twelve-step' | 'secular' | 'religious' | 'contemplative' | 'family';

export interface ProgramRules {
  key: string;
  name: string;
  family: ProgramFamily;
  roleWord: 'sponsor' | 'mentor';
  minRecoveryDays: number;
  minRecoveryGapDays: number;
  genderRule: 'same-gender-by-default' | 'none';
  requiresOwnSponsor: boolean;
  experiences: string[];
}

/** Program keys and experience names: short lowercase slugs, the one pattern every schema uses. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const programKey = z.string().regex(SLUG_PATTERN, 'Must be a program key (lowercase letters, digits and dashes).');

export const experienceKey = z.string().regex(SLUG_PATTERN, 'Must be an experience key (lowercase letters, digits and dashes).');
