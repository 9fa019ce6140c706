import type { ProgramRules } from './program-rules.ts';

const substanceExperiences = ['alcohol', 'opioids', 'stimulants', 'cannabis', 'sedatives', 'methamphetamine', 'cocaine', 'gambling'];
const lifeExperiences = ['co-occurring-mental-health', 'parent', 'veteran', 'justice-involved', 'lgbtq', 'chronic-pain', 'grief'];
const familyExperiences = ['partner-of-someone-in-addiction', 'parent-of-someone-in-addiction', 'adult-child', 'sibling', ...lifeExperiences];

function program(
  key: string,
  name: string,
  family: ProgramRules['family'],
  over: Partial<ProgramRules> = {},
): ProgramRules {
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
 * The programs a new deployment starts with (DOMAIN.md). They are data: seeded
 * into the `programs` collection once, then changed by admins; a deployment
 * adds its own through the API.
 */
export const SEED_PROGRAMS: readonly ProgramRules[] = [
  program('aa', 'Alcoholics Anonymous', 'twelve-step'),
  program('na', 'Narcotics Anonymous', 'twelve-step'),
  program('ca', 'Cocaine Anonymous', 'twelve-step'),
  program('cma', 'Crystal Meth Anonymous', 'twelve-step'),
  program('ma', 'Marijuana Anonymous', 'twelve-step'),
  program('ha', 'Heroin Anonymous', 'twelve-step'),
  program('smart', 'SMART Recovery', 'secular'),
  program('lifering', 'LifeRing Secular Recovery', 'secular'),
  program('wfs', 'Women for Sobriety', 'secular'),
  program('celebrate-recovery', 'Celebrate Recovery', 'religious', { requiresOwnSponsor: false }),
  program('recovery-dharma', 'Recovery Dharma', 'contemplative'),
  program('refuge-recovery', 'Refuge Recovery', 'contemplative'),
  program('al-anon', 'Al-Anon Family Groups', 'family', { requiresOwnSponsor: true }),
  program('nar-anon', 'Nar-Anon Family Groups', 'family', { requiresOwnSponsor: true }),
];
