// Synthetic, seeded profiles for tests and benchmarks. Pure: the same seed gives
// the same people. `makeSponsor`/`makeNewcomer` give a pair that matches by default,
// so a table test changes only the field it is about.

import {
  DEFAULT_PAIR_COOLDOWN_DAYS,
  DEFAULT_WEIGHTS,
  type AgeBand,
  type AvailabilityWindow,
  type ContactMode,
  type Day,
  type Gender,
  type MatchingContext,
  type MatchingWeights,
  type NewcomerProfile,
  type Orientation,
  type PairEvent,
  type ProgramRules,
  type SponsorProfile,
} from '../../src/matching/types.ts';

const DAY_MS = 86_400_000;

/** A small fast PRNG (mulberry32): deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

function subset<T>(rng: Rng, items: readonly T[], p: number): T[] {
  return items.filter(() => rng() < p);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `days` before the UTC date of `now`, as YYYY-MM-DD. */
export function daysAgo(now: number, days: number): string {
  return dateOfDay(Math.floor(now / DAY_MS) - days);
}

const TWELVE_STEP_EXPERIENCES = ['alcohol', 'opioids', 'stimulants', 'cannabis', 'co-occurring-mental-health', 'parent', 'veteran', 'justice-involved', 'lgbtq'];

function program(
  key: string,
  name: string,
  family: ProgramRules['family'],
  extra: Partial<ProgramRules> = {},
): ProgramRules {
  const twelveStep = family === 'twelve-step';
  return {
    key,
    name,
    family,
    roleWord: twelveStep || family === 'family' ? 'sponsor' : 'mentor',
    minRecoveryDays: twelveStep ? 365 : 180,
    minRecoveryGapDays: twelveStep ? 180 : 90,
    genderRule: twelveStep ? 'same-gender-by-default' : 'none',
    ownSponsor: twelveStep ? 'required' : 'none',
    completedStepsPreferred: false,
    timeCountedAs: 'recovery',
    experiences: TWELVE_STEP_EXPERIENCES,
    ...extra,
  };
}

/**
 * The programs the property tests use: aa, na and smart with every kind of rule
 * between them (same-required, minimum steps, own sponsor required and preferred,
 * steps preferred, time in the program, member genders).
 */
export function ruleVarietyPrograms(): Map<string, ProgramRules> {
  const programs = samplePrograms();
  const set = (key: string, over: Partial<ProgramRules>) => programs.set(key, { ...programs.get(key)!, ...over });
  set('aa', { genderRule: 'same-required', ownSponsor: 'required', minStepsCompleted: 6, minRecoveryGapDays: 0 });
  set('na', { ownSponsor: 'preferred', completedStepsPreferred: true, timeCountedAs: 'program', minRecoveryDays: 0, minRecoveryGapDays: 0 });
  set('smart', { memberGenders: ['woman', 'non-binary'], minRecoveryDays: 90, minRecoveryGapDays: 30 });
  return programs;
}

export function samplePrograms(): Map<string, ProgramRules> {
  const list = [
    program('aa', 'Alcoholics Anonymous', 'twelve-step'),
    program('na', 'Narcotics Anonymous', 'twelve-step'),
    program('ca', 'Cocaine Anonymous', 'twelve-step'),
    program('cma', 'Crystal Meth Anonymous', 'twelve-step'),
    program('smart', 'SMART Recovery', 'secular'),
    program('lifering', 'LifeRing Secular Recovery', 'secular'),
    program('wfs', 'Women for Sobriety', 'secular'),
    program('celebrate-recovery', 'Celebrate Recovery', 'religious', { genderRule: 'same-gender-by-default' }),
    program('recovery-dharma', 'Recovery Dharma', 'contemplative'),
    program('al-anon', 'Al-Anon', 'family', { minRecoveryDays: 365, minRecoveryGapDays: 0, ownSponsor: 'required' }),
  ];
  return new Map(list.map((p) => [p.key, p]));
}

const PROGRAM_SHARE: readonly (readonly [string, number])[] = [
  ['aa', 35], ['na', 18], ['ca', 5], ['cma', 3], ['smart', 10], ['lifering', 4], ['wfs', 3], ['celebrate-recovery', 9], ['recovery-dharma', 5], ['al-anon', 8],
];

const ACCEPTS: Record<string, string[]> = {
  aa: ['na', 'ca'], na: ['aa', 'cma', 'ca'], ca: ['aa', 'na'], cma: ['na'],
  smart: ['lifering', 'recovery-dharma'], lifering: ['smart'], wfs: ['smart', 'lifering'], 'celebrate-recovery': ['aa'], 'recovery-dharma': ['smart'], 'al-anon': [],
};

interface Place {
  timezone: string;
  region: string;
  lat: number;
  lon: number;
  languages: readonly (readonly [string, number])[];
  weight: number;
}

const PLACES: readonly Place[] = [
  { timezone: 'America/New_York', region: 'US-NY', lat: 40.71, lon: -74.0, languages: [['en-US', 8], ['es-US', 2]], weight: 14 },
  { timezone: 'America/Chicago', region: 'US-IL', lat: 41.88, lon: -87.63, languages: [['en-US', 8], ['es', 2]], weight: 10 },
  { timezone: 'America/Denver', region: 'US-CO', lat: 39.74, lon: -104.99, languages: [['en', 9], ['es', 1]], weight: 5 },
  { timezone: 'America/Phoenix', region: 'US-AZ', lat: 33.45, lon: -112.07, languages: [['en', 7], ['es', 3]], weight: 3 },
  { timezone: 'America/Los_Angeles', region: 'US-CA', lat: 34.05, lon: -118.24, languages: [['en-US', 6], ['es-MX', 4]], weight: 12 },
  { timezone: 'America/Toronto', region: 'CA-ON', lat: 43.65, lon: -79.38, languages: [['en-CA', 8], ['fr-CA', 2]], weight: 4 },
  { timezone: 'America/Mexico_City', region: 'MX', lat: 19.43, lon: -99.13, languages: [['es-MX', 9], ['en', 1]], weight: 5 },
  { timezone: 'America/Sao_Paulo', region: 'BR', lat: -23.55, lon: -46.63, languages: [['pt-BR', 9], ['en', 1]], weight: 4 },
  { timezone: 'Europe/London', region: 'GB', lat: 51.51, lon: -0.13, languages: [['en-GB', 9], ['pl', 1]], weight: 10 },
  { timezone: 'Europe/Dublin', region: 'IE', lat: 53.35, lon: -6.26, languages: [['en-IE', 9], ['ga', 1]], weight: 3 },
  { timezone: 'Europe/Madrid', region: 'ES', lat: 40.42, lon: -3.7, languages: [['es-ES', 9], ['ca', 1]], weight: 4 },
  { timezone: 'Europe/Berlin', region: 'DE', lat: 52.52, lon: 13.4, languages: [['de', 8], ['en', 2]], weight: 5 },
  { timezone: 'Europe/Paris', region: 'FR', lat: 48.86, lon: 2.35, languages: [['fr', 9], ['en', 1]], weight: 4 },
  { timezone: 'Asia/Kolkata', region: 'IN', lat: 19.08, lon: 72.88, languages: [['en-IN', 5], ['hi', 5]], weight: 3 },
  { timezone: 'Asia/Kathmandu', region: 'NP', lat: 27.72, lon: 85.32, languages: [['ne', 6], ['en', 4]], weight: 1 },
  { timezone: 'Africa/Johannesburg', region: 'ZA', lat: -26.2, lon: 28.05, languages: [['en-ZA', 7], ['af', 3]], weight: 2 },
  { timezone: 'Australia/Sydney', region: 'AU-NSW', lat: -33.87, lon: 151.21, languages: [['en-AU', 10]], weight: 5 },
  { timezone: 'Australia/Lord_Howe', region: 'AU-LHI', lat: -31.55, lon: 159.08, languages: [['en-AU', 10]], weight: 0.2 },
  { timezone: 'Pacific/Auckland', region: 'NZ', lat: -36.85, lon: 174.76, languages: [['en-NZ', 8], ['mi', 2]], weight: 2 },
];

const SMALL_PLACES = [PLACES[0], PLACES[8], PLACES[16], PLACES[13]] as Place[];

const DAYS_LIST: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const GENDER_SHARE: readonly (readonly [Gender, number])[] = [['woman', 45], ['man', 45], ['non-binary', 5], ['another', 2], ['prefer-not-to-say', 3]];
const ORIENTATION_SHARE: readonly (readonly [Orientation, number])[] = [['spiritual', 50], ['secular', 30], ['religious', 20]];
const AGE_LIST: readonly AgeBand[] = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const MODES: readonly ContactMode[] = ['in-person', 'phone', 'video', 'text'];

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function windows(rng: Rng, count: number): AvailabilityWindow[] {
  const out: AvailabilityWindow[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const day = pick(rng, DAYS_LIST);
    if (used.has(day)) continue;
    used.add(day);
    const start = 6 * 60 + Math.floor(rng() * 60) * 15;
    const end = Math.min(24 * 60, start + 60 + Math.floor(rng() * 9) * 15);
    out.push({ day, start: clock(start), end: clock(end) });
  }
  return out;
}

function languagesFor(rng: Rng, place: Place): string[] {
  const first = weighted(rng, place.languages);
  const langs = [first];
  if (rng() < 0.2) {
    const second = pick(rng, ['en', 'es', 'fr', 'pt', 'de']);
    if (second !== first.split('-')[0]) langs.push(second);
  }
  return langs;
}

function nearby(rng: Rng, place: Place, spreadKm: number): { region: string; lat: number; lon: number } {
  const dLat = ((rng() - 0.5) * 2 * spreadKm) / 111;
  const dLon = ((rng() - 0.5) * 2 * spreadKm) / (111 * Math.max(0.2, Math.cos((place.lat * Math.PI) / 180)));
  return { region: place.region, lat: Math.round((place.lat + dLat) * 1e4) / 1e4, lon: Math.round((place.lon + dLon) * 1e4) / 1e4 };
}

export interface PopulationOptions {
  /** Few zones, programs and languages, many ties: for property tests on small populations. */
  small?: boolean;
  /**
   * Also the fields the per-program rules and the sponsor's own limits read
   * (programSince, sponsor limits, availableSince, acceptsAsyncOnly). Off by
   * default, so that populations drawn before them stay the same.
   */
  limits?: boolean;
}

export function syntheticSponsor(rng: Rng, id: string, now: number, options: PopulationOptions = {}): SponsorProfile {
  const small = options.small === true;
  const place = small ? pick(rng, SMALL_PLACES) : weighted(rng, PLACES.map((p) => [p, p.weight] as const));
  const programKey = small ? pick(rng, ['aa', 'na', 'smart']) : weighted(rng, PROGRAM_SHARE);
  const years = small ? Math.floor(rng() * 6 * 365) : Math.floor(150 + rng() * rng() * 30 * 365);
  const experiences = subset(rng, TWELVE_STEP_EXPERIENCES, small ? 0.4 : 0.2);
  const modes = subset(rng, MODES, 0.55);
  const capacity = small ? 1 + Math.floor(rng() * 3) : 1 + Math.floor(rng() * 5);
  const sponsor: SponsorProfile = {
    userId: id,
    displayName: `Sponsor ${id}`,
    program: programKey,
    recoveryDate: daysAgo(now, years),
    timezone: place.timezone,
    availability: windows(rng, small ? 2 + Math.floor(rng() * 4) : 2 + Math.floor(rng() * 5)),
    contactModes: modes.length > 0 ? modes : ['phone'],
    languages: small ? [pick(rng, ['en', 'en-GB', 'EN-us', 'es'])] : languagesFor(rng, place),
    gender: small ? pick(rng, ['woman', 'man', 'non-binary'] as const) : weighted(rng, GENDER_SHARE),
    lgbtqAffirming: rng() < 0.5,
    spiritualOrientation: weighted(rng, ORIENTATION_SHARE),
    experiences,
    experiencesOnCard: experiences.filter(() => rng() < 0.6),
    capacity,
    acceptingNewcomers: rng() < (small ? 0.9 : 0.85),
    hasOwnSponsor: rng() < 0.85,
    stepsCompleted: Math.floor(rng() * 13),
  };
  if (rng() < 0.85) sponsor.ageBand = pick(rng, AGE_LIST);
  if (rng() < 0.8) sponsor.location = nearby(rng, place, small ? 60 : 40);
  if (rng() < 0.3) sponsor.bio = 'Happy to walk the steps with you.';
  if (options.limits === true) {
    if (rng() < 0.7) sponsor.programSince = daysAgo(now, Math.floor(rng() * 6 * 365));
    if (rng() < 0.1) delete sponsor.recoveryDate;
    if (rng() < 0.3) sponsor.sponsorsGenders = subset(rng, ['woman', 'man', 'non-binary'] as const, 0.6);
    if (rng() < 0.2) sponsor.newcomerAgeBands = subset(rng, AGE_LIST, 0.6);
    if (rng() < 0.4) {
      const extra = pick(rng, ['es', 'fr', 'en']);
      if (!sponsor.languages.includes(extra)) sponsor.languages = [...sponsor.languages, extra];
      sponsor.languagesForSponsoring = [pick(rng, sponsor.languages)];
    }
    // Few distinct instants, so that ties on score and places are broken by them.
    if (rng() < 0.8) sponsor.availableSince = new Date(now - Math.floor(rng() * 4) * DAY_MS).toISOString();
  }
  return sponsor;
}

export function syntheticNewcomer(rng: Rng, id: string, now: number, options: PopulationOptions = {}): NewcomerProfile {
  const small = options.small === true;
  const place = small ? pick(rng, SMALL_PLACES) : weighted(rng, PLACES.map((p) => [p, p.weight] as const));
  const programKey = small ? pick(rng, ['aa', 'na', 'smart']) : weighted(rng, PROGRAM_SHARE);
  const modes = subset(rng, MODES, 0.6);
  const newcomer: NewcomerProfile = {
    userId: id,
    displayName: `Newcomer ${id}`,
    program: programKey,
    acceptedPrograms: small ? subset(rng, ['aa', 'na', 'smart'], 0.6) : subset(rng, ACCEPTS[programKey] ?? [], 0.4),
    timezone: place.timezone,
    availability: windows(rng, small ? 2 + Math.floor(rng() * 4) : 2 + Math.floor(rng() * 5)),
    contactModes: modes.length > 0 ? modes : ['video'],
    languages: small ? (rng() < 0.1 ? ['fr'] : [pick(rng, ['en-US', 'en', 'es'])]) : languagesFor(rng, place),
    gender: small ? pick(rng, ['woman', 'man', 'non-binary'] as const) : weighted(rng, GENDER_SHARE),
    wantsLgbtqAffirming: rng() < 0.2,
    spiritualOrientation: weighted(rng, ORIENTATION_SHARE),
    orientationMustMatch: rng() < 0.2,
    seeking: true,
  };
  if (rng() < 0.8) newcomer.recoveryDate = daysAgo(now, Math.floor(rng() * (small ? 500 : 400)));
  if (rng() < 0.15) {
    newcomer.sponsorGenderPreference = rng() < 0.5 ? 'any' : rng() < 0.5 ? 'same' : [pick(rng, ['woman', 'man', 'non-binary'] as const)];
  }
  if (rng() < 0.8) newcomer.ageBand = pick(rng, AGE_LIST);
  if (rng() < 0.3) newcomer.preferredAgeBands = subset(rng, AGE_LIST, 0.4);
  if (rng() < 0.7) newcomer.experiences = subset(rng, TWELVE_STEP_EXPERIENCES, 0.25);
  if (rng() < 0.7) newcomer.location = nearby(rng, place, small ? 60 : 40);
  if (small && rng() < 0.15) newcomer.contactModes = ['in-person'];
  if (rng() < 0.3) newcomer.maxDistanceKm = 5 + Math.floor(rng() * 60);
  if (options.limits === true) {
    if (rng() < 0.5) newcomer.programSince = daysAgo(now, Math.floor(rng() * 3 * 365));
    if (rng() < 0.4) newcomer.acceptsAsyncOnly = true;
  }
  return newcomer;
}

/** `count` sponsors with ids `${prefix}000001`...; deterministic for a seed. */
export function syntheticSponsors(count: number, seed: number, now: number, options: PopulationOptions = {}): SponsorProfile[] {
  const rng = seededRandom(seed);
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => syntheticSponsor(rng, `s${String(i + 1).padStart(width, '0')}`, now, options));
}

export function syntheticNewcomers(count: number, seed: number, now: number, options: PopulationOptions = {}): NewcomerProfile[] {
  const rng = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => syntheticNewcomer(rng, `n${i + 1}`, now, options));
}

/** Synthetic used places: about a third of sponsors carry someone already. */
export function syntheticUsedPlaces(sponsors: readonly SponsorProfile[], seed: number): Map<string, number> {
  const rng = seededRandom(seed);
  const used = new Map<string, number>();
  for (const s of sponsors) {
    if (rng() < 0.35) used.set(s.userId, Math.floor(rng() * (s.capacity + 1)));
  }
  return used;
}

/** 2025-03-12 15:00 UTC: a Wednesday in the weeks New York has changed clocks and London has not. */
export const SAMPLE_NOW = Date.UTC(2025, 2, 12, 15, 0);

export function makeSponsor(overrides: Partial<SponsorProfile> = {}): SponsorProfile {
  return {
    userId: 'sponsor-1',
    displayName: 'Sam',
    program: 'aa',
    recoveryDate: daysAgo(SAMPLE_NOW, 6 * 365),
    timezone: 'America/New_York',
    availability: [{ day: 'mon', start: '18:00', end: '21:00' }, { day: 'thu', start: '18:00', end: '20:00' }],
    contactModes: ['phone', 'video'],
    languages: ['en-US'],
    gender: 'woman',
    lgbtqAffirming: true,
    spiritualOrientation: 'spiritual',
    ageBand: '35-44',
    experiences: ['alcohol', 'parent'],
    experiencesOnCard: ['alcohol'],
    location: { region: 'US-NY', lat: 40.71, lon: -74.0 },
    capacity: 3,
    acceptingNewcomers: true,
    hasOwnSponsor: true,
    stepsCompleted: 12,
    ...overrides,
  };
}

export function makeNewcomer(overrides: Partial<NewcomerProfile> = {}): NewcomerProfile {
  return {
    userId: 'newcomer-1',
    displayName: 'Alex',
    program: 'aa',
    acceptedPrograms: [],
    recoveryDate: daysAgo(SAMPLE_NOW, 30),
    timezone: 'America/New_York',
    availability: [{ day: 'mon', start: '19:00', end: '20:30' }],
    contactModes: ['phone'],
    languages: ['en'],
    gender: 'woman',
    wantsLgbtqAffirming: false,
    spiritualOrientation: 'spiritual',
    orientationMustMatch: false,
    experiences: ['alcohol'],
    seeking: true,
    ...overrides,
  };
}

export interface ContextData {
  now?: number;
  programs?: Map<string, ProgramRules>;
  weights?: Partial<Record<string, MatchingWeights>>;
  used?: ReadonlyMap<string, number>;
  /** Keyed `${newcomerId}|${sponsorId}`. */
  history?: ReadonlyMap<string, readonly PairEvent[]>;
  pairCooldownDays?: number;
}

export function makeContext(data: ContextData = {}): MatchingContext {
  const history = data.history ?? new Map<string, readonly PairEvent[]>();
  return {
    now: data.now ?? SAMPLE_NOW,
    programs: data.programs ?? samplePrograms(),
    weightsFor: (key) => data.weights?.[key] ?? DEFAULT_WEIGHTS,
    usedPlaces: (id) => data.used?.get(id) ?? 0,
    pairHistory: (newcomerId) => {
      const byNewcomer = new Map<string, readonly PairEvent[]>();
      for (const [pair, events] of history) {
        const [n, s] = pair.split('|');
        if (n === newcomerId && s !== undefined) byNewcomer.set(s, events);
      }
      return byNewcomer;
    },
    pairCooldownDays: data.pairCooldownDays ?? DEFAULT_PAIR_COOLDOWN_DAYS,
  };
}
