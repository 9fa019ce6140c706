import type { ProgramRules } from '../programs/program-rules.ts';

// The plain data the matching core works on: profiles (their vocabulary lives
// with the profiles) and programs (with the registry).
export * from '../profiles/profile-types.ts';
export type { GenderRule, OwnSponsorRule, ProgramFamily, ProgramRules, TimeCountedAs } from '../programs/program-rules.ts';

export interface PairEvent {
  kind: 'ended' | 'blocked' | 'declined' | 'rejected' | 'expired';
  /** epoch ms */
  at: number;
}

export type FactorName =
  | 'program'
  | 'recoveryGap'
  | 'availability'
  | 'contactModes'
  | 'experiences'
  | 'age'
  | 'orientation'
  | 'lgbtqAffirming'
  | 'distance'
  | 'freePlaces'
  | 'ownSponsor'
  | 'steps';

/** Fixed order: it is also the summation order, so every path adds in the same order. */
export const FACTORS: readonly FactorName[] = [
  'program',
  'recoveryGap',
  'availability',
  'contactModes',
  'experiences',
  'age',
  'orientation',
  'lgbtqAffirming',
  'distance',
  'freePlaces',
  'ownSponsor',
  'steps',
];

/** One non-negative weight per factor; negative or non-finite weights count as 0. */
export type MatchingWeights = Record<FactorName, number>;

export const DEFAULT_WEIGHTS: Readonly<MatchingWeights> = Object.freeze({
  program: 3,
  recoveryGap: 2,
  availability: 3,
  contactModes: 1,
  experiences: 2,
  age: 1,
  orientation: 2,
  lgbtqAffirming: 2,
  distance: 1,
  freePlaces: 1,
  ownSponsor: 1,
  steps: 1,
});

/** Hard rules, in the order they are checked. `excluded` counts use the first one a sponsor fails. */
export type RuleName =
  | 'same-person'
  | 'program-not-accepted'
  | 'unknown-program'
  | 'program-member-genders'
  | 'not-accepting'
  | 'at-capacity'
  | 'pair-blocked'
  | 'below-program-minimum'
  | 'not-more-recovery-than-newcomer'
  | 'no-own-sponsor'
  | 'too-few-steps'
  | 'no-shared-language'
  | 'sponsor-languages-limit'
  | 'gender-rule'
  | 'sponsor-genders-limit'
  | 'sponsor-age-limit'
  | 'orientation-required'
  | 'no-shared-contact-mode'
  | 'no-availability-overlap'
  | 'too-far'
  | 'in-person-distance-unknown';

export const RULES: readonly RuleName[] = [
  'same-person',
  'program-not-accepted',
  'unknown-program',
  'program-member-genders',
  'not-accepting',
  'at-capacity',
  'pair-blocked',
  'below-program-minimum',
  'not-more-recovery-than-newcomer',
  'no-own-sponsor',
  'too-few-steps',
  'no-shared-language',
  'sponsor-languages-limit',
  'gender-rule',
  'sponsor-genders-limit',
  'sponsor-age-limit',
  'orientation-required',
  'no-shared-contact-mode',
  'no-availability-overlap',
  'too-far',
  'in-person-distance-unknown',
];

/** How equal scores are ordered, in words a coordinator reads (the code is rank.ts's `compareTied`). */
export const TIE_RULE =
  'Equal scores are ordered by fewer places in use, then by who started taking newcomers first, then by sponsor id.';

/** Used when a newcomer gives no maxDistanceKm: a reasonable trip to meet in person. */
export const DEFAULT_MAX_DISTANCE_KM = 50;
export const DEFAULT_PAIR_COOLDOWN_DAYS = 90;

export interface MatchingContext {
  /** epoch ms; the only clock the core knows. */
  now: number;
  programs: ReadonlyMap<string, ProgramRules>;
  /** Weights for a match in this program (the sponsor's program). */
  weightsFor(programKey: string): MatchingWeights;
  /** Sponsee places in use. `rank`/`explain` on an index read the index's own count instead. */
  usedPlaces(sponsorId: string): number;
  /** Everything that happened between this newcomer and any sponsor, by sponsor id. */
  pairHistory(newcomerId: string): ReadonlyMap<string, readonly PairEvent[]>;
  /** declined/rejected pairs are not proposed again for this many days (default 90). */
  pairCooldownDays: number;
}

/** `languages` is not a weighted factor (a shared language is required) but still gets a reason. */
export type ReasonTopic = FactorName | 'languages';

export interface Reason {
  factor: ReasonTopic;
  /** Points of the 0-100 score this factor brought, one decimal (0 for `languages`). */
  contribution: number;
  /** For a coordinator. */
  text: string;
  /** Present only when the reason may be shown to the newcomer; may say less than `text`. */
  newcomerText?: string;
}

export interface NewcomerReason {
  factor: ReasonTopic;
  text: string;
}

export interface ScoredSponsor {
  sponsorId: string;
  /** 0-100, one decimal. */
  score: number;
  reasons: Reason[];
}

export interface RankResult {
  /** Score descending; ties by TIE_RULE (fewer places in use, earlier availableSince, then id). */
  top: ScoredSponsor[];
  /** Sponsors left out, counted by the first rule they fail. Every rule is present. */
  excluded: Record<RuleName, number>;
  /** Sponsors that passed every rule (before the top-k cut). */
  eligibleCount: number;
}

export type Explanation =
  | { sponsorId: string; eligible: true; score: number; reasons: Reason[] }
  | { sponsorId: string; eligible: false; failingRules: RuleName[] };
