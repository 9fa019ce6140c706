/**
 * CLI: a realistic synthetic community for demos and manual testing.
 *
 *   npm run seed:demo [-- --base-url http://127.0.0.1:3111]
 *
 * Creates (deterministically, from a seeded PRNG) 300 sponsors, 200 newcomers
 * and 3 coordinators across the seeded programs, in a dozen time zones and
 * several languages; every program has a coordinator. Every account has the
 * same demo password (hashed once). Emails: demo-sponsor-001@example.org,
 * demo-newcomer-001@example.org, demo-coordinator-001@example.org …
 *
 * The database is found as `npm start` finds it: MONGODB_URI, else the local
 * database a running `npm start` recorded under DATA_DIR, else one started
 * here and stopped at the end. The URLs it prints are those of the running
 * server recorded in DATA_DIR/server.json, else --base-url, else HOST and PORT.
 *
 * Idempotent: an account whose email exists is not created again, a profile
 * that exists is not replaced; a second run adds nothing and says so (it only
 * gives the demo coordinators the programs they are missing).
 * Each new sponsor is published on the change feed, so a running `npm start`
 * puts them into its candidate index within a few seconds (no restart needed).
 *
 * Exit codes: 0 done; 2 bad arguments; 1 no database or another failure (one
 * line, no stack trace).
 */
import { pino } from 'pino';
import { hashPassword } from '../src/auth/passwords.ts';
import { createUsersRepository, type User, type UsersRepository } from '../src/auth/users.repository.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createChangeFeed, type ChangeFeed } from '../src/db/change-feed.ts';
import { openDatabase, type OpenDatabase } from '../src/db/database.ts';
import { LocalDatabaseUnavailable } from '../src/db/local-database.ts';
import { findRunningServer } from '../src/db/server-file.ts';
import { prepareDatabase } from '../src/prepare.ts';
import { createEmptyMatchHistory } from '../src/matching/match-history.source.ts';
import { createLifecycleRepository, openRequestDocs } from '../src/matches/lifecycle.repository.ts';
import { startMatchingEngine } from '../src/matching/matching-engine.ts';
import { toNewcomerProfile } from '../src/matching/matching-engine.ts';
import { rank } from '../src/matching/rank.ts';
import type { AgeBand, AvailabilityWindow, ContactMode, Day, Gender, Orientation, SponsorGenderPreference } from '../src/matching/types.ts';
import { canonicalLanguageTag, mergeWindows, round2 } from '../src/profiles/profile-fields.ts';
import { createProfilesRepository, type StoredNewcomer, type StoredSponsor } from '../src/profiles/profiles.repository.ts';
import { isProgramMember } from '../src/programs/program-rules.ts';
import { createProgramsRepository, type StoredProgram } from '../src/programs/programs.repository.ts';
import { createVettingRepository } from '../src/vetting/vetting.repository.ts';
import { seededRandom } from '../test/support/profile-factories.ts';

const SPONSORS = 300;
/** Demo sponsors left waiting for a coordinator's vetting, so that vetting can be tried. */
const PENDING_VETTING = 3;
const NEWCOMERS = 200;
const SEED = 20250312;
const DEMO_PASSWORD = 'serenity-demo-2025';
const DAY_MS = 86_400_000;

const email = (role: 'sponsor' | 'newcomer' | 'coordinator', i: number) => `demo-${role}-${String(i).padStart(3, '0')}@example.org`;

// ---- deterministic randomness ----

type Rng = () => number;


const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return items[items.length - 1]![0];
}

const subset = <T>(rng: Rng, items: readonly T[], p: number): T[] => items.filter(() => rng() < p);

/** A v4-shaped UUID drawn from the PRNG, so the same run gives the same ids. */
function uuidFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rng() * 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- the community ----

interface Place {
  timezone: string;
  region: string;
  lat: number;
  lon: number;
  languages: readonly (readonly [string, number])[];
  weight: number;
}

const PLACES: readonly Place[] = [
  { timezone: 'America/New_York', region: 'US-NY', lat: 40.71, lon: -74.0, languages: [['en-US', 8], ['es-US', 2]], weight: 16 },
  { timezone: 'America/New_York', region: 'US-MA', lat: 42.36, lon: -71.06, languages: [['en-US', 9], ['pt-BR', 1]], weight: 5 },
  { timezone: 'America/Chicago', region: 'US-IL', lat: 41.88, lon: -87.63, languages: [['en-US', 8], ['es', 2]], weight: 10 },
  { timezone: 'America/Chicago', region: 'US-TX', lat: 29.76, lon: -95.37, languages: [['en-US', 6], ['es-US', 4]], weight: 6 },
  { timezone: 'America/Denver', region: 'US-CO', lat: 39.74, lon: -104.99, languages: [['en-US', 9], ['es', 1]], weight: 4 },
  { timezone: 'America/Los_Angeles', region: 'US-CA', lat: 34.05, lon: -118.24, languages: [['en-US', 6], ['es-MX', 4]], weight: 13 },
  { timezone: 'America/Toronto', region: 'CA-ON', lat: 43.65, lon: -79.38, languages: [['en-CA', 8], ['fr-CA', 2]], weight: 4 },
  { timezone: 'America/Toronto', region: 'CA-QC', lat: 45.5, lon: -73.57, languages: [['fr-CA', 7], ['en-CA', 3]], weight: 3 },
  { timezone: 'America/Mexico_City', region: 'MX', lat: 19.43, lon: -99.13, languages: [['es-MX', 9], ['en', 1]], weight: 6 },
  { timezone: 'America/Sao_Paulo', region: 'BR', lat: -23.55, lon: -46.63, languages: [['pt-BR', 9], ['en', 1]], weight: 5 },
  { timezone: 'Europe/London', region: 'GB', lat: 51.51, lon: -0.13, languages: [['en-GB', 9], ['pl', 1]], weight: 10 },
  { timezone: 'Europe/Dublin', region: 'IE', lat: 53.35, lon: -6.26, languages: [['en-IE', 10]], weight: 3 },
  { timezone: 'Europe/Madrid', region: 'ES', lat: 40.42, lon: -3.7, languages: [['es-ES', 9], ['ca', 1]], weight: 5 },
  { timezone: 'Europe/Paris', region: 'FR', lat: 48.86, lon: 2.35, languages: [['fr', 9], ['en', 1]], weight: 4 },
  { timezone: 'Europe/Lisbon', region: 'PT', lat: 38.72, lon: -9.14, languages: [['pt-PT', 9], ['en', 1]], weight: 2 },
];

/** Program key → share of members, orientation mix, programs its newcomers often also accept. */
const PROGRAM_MIX: readonly { key: string; share: number; orientation: readonly (readonly [Orientation, number])[]; accepts: string[] }[] = [
  { key: 'aa', share: 34, orientation: [['spiritual', 65], ['religious', 15], ['secular', 20]], accepts: ['na', 'ca'] },
  { key: 'na', share: 16, orientation: [['spiritual', 65], ['religious', 15], ['secular', 20]], accepts: ['aa', 'ca', 'cma'] },
  { key: 'ca', share: 4, orientation: [['spiritual', 70], ['secular', 30]], accepts: ['na', 'aa'] },
  { key: 'cma', share: 3, orientation: [['spiritual', 70], ['secular', 30]], accepts: ['na'] },
  { key: 'smart', share: 11, orientation: [['secular', 90], ['spiritual', 10]], accepts: ['lifering'] },
  { key: 'lifering', share: 3, orientation: [['secular', 100]], accepts: ['smart'] },
  { key: 'wfs', share: 3, orientation: [['secular', 70], ['spiritual', 30]], accepts: ['smart'] },
  { key: 'celebrate-recovery', share: 8, orientation: [['religious', 100]], accepts: [] },
  { key: 'recovery-dharma', share: 6, orientation: [['spiritual', 80], ['secular', 20]], accepts: ['refuge-recovery'] },
  { key: 'refuge-recovery', share: 2, orientation: [['spiritual', 90], ['secular', 10]], accepts: ['recovery-dharma'] },
  { key: 'al-anon', share: 8, orientation: [['spiritual', 70], ['secular', 20], ['religious', 10]], accepts: ['nar-anon'] },
  { key: 'nar-anon', share: 2, orientation: [['spiritual', 70], ['secular', 30]], accepts: ['al-anon'] },
];

const FIRST_NAMES = [
  'Alex', 'Sam', 'Jordan', 'Maria', 'José', 'Aisha', 'Chris', 'Pat', 'Lucía', 'Tomás', 'Emma', 'Liam', 'Noah', 'Olivia', 'Ava',
  'Mateo', 'Sofía', 'Camila', 'Diego', 'Valentina', 'Grace', 'Ruth', 'Dan', 'Mike', 'Sarah', 'Jen', 'Kim', 'Lee', 'Robin', 'Taylor',
  'Morgan', 'Casey', 'Jamie', 'Riley', 'Quinn', 'Avery', 'Élodie', 'Luc', 'Chloé', 'João', 'Ana', 'Beatriz', 'Pedro', 'Niamh',
  'Siobhán', 'Kasia', 'Marek', 'Jordi', 'Núria', 'Tariq', 'Priya', 'Kwame', 'Amara', 'Yusuf', 'Hannah', 'Ben', 'Zoe', 'Eli',
];

const GENDERS: readonly (readonly [Gender, number])[] = [['woman', 46], ['man', 46], ['non-binary', 5], ['another', 1], ['prefer-not-to-say', 2]];
const AGE_BANDS: readonly AgeBand[] = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MODES: readonly ContactMode[] = ['in-person', 'phone', 'video', 'text'];

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Evenings on weekdays, mornings or afternoons at weekends; merged per day like the API does. */
function availability(rng: Rng, count: number): AvailabilityWindow[] {
  const out: AvailabilityWindow[] = [];
  for (let i = 0; i < count; i++) {
    const day = pick(rng, DAYS);
    const weekend = day === 'sat' || day === 'sun';
    const start = weekend ? 8 * 60 + Math.floor(rng() * 28) * 15 : rng() < 0.2 ? 6 * 60 + Math.floor(rng() * 8) * 15 : 17 * 60 + Math.floor(rng() * 14) * 15;
    const end = Math.min(24 * 60, start + 60 + Math.floor(rng() * 9) * 15);
    out.push({ day, start: hhmm(start), end: hhmm(end) });
  }
  return mergeWindows(out);
}

function languagesAt(rng: Rng, place: Place): string[] {
  const langs = [weighted(rng, place.languages)];
  if (rng() < 0.18) {
    const second = pick(rng, ['en', 'es', 'fr', 'pt-BR']);
    if (second.split('-')[0] !== langs[0]!.split('-')[0]) langs.push(second);
  }
  return langs.map((l) => canonicalLanguageTag(l) ?? l);
}

function nearby(rng: Rng, place: Place, spreadKm: number) {
  const dLat = ((rng() - 0.5) * 2 * spreadKm) / 111;
  const dLon = ((rng() - 0.5) * 2 * spreadKm) / (111 * Math.cos((place.lat * Math.PI) / 180));
  return { region: place.region, lat: round2(place.lat + dLat), lon: round2(place.lon + dLon) };
}

const dateDaysAgo = (now: Date, days: number) => new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - days * DAY_MS).toISOString().slice(0, 10);

interface Member<P> {
  email: string;
  displayName: string;
  id: string;
  profile: (id: string, displayName: string) => P;
}

function community(programs: ReadonlyMap<string, StoredProgram>, now: Date) {
  const rng = seededRandom(SEED);
  const mix = PROGRAM_MIX.filter((p) => programs.has(p.key));
  if (mix.length === 0) throw new Error('none of the demo programs exist in this database');
  const programShares = mix.map((p) => [p, p.share] as const);
  const placeShares = PLACES.map((p) => [p, p.weight] as const);

  const basics = (programKey: string) => {
    const place = weighted(rng, placeShares);
    const mixEntry = mix.find((m) => m.key === programKey)!;
    // A program for some genders only (Women for Sobriety: women) has only those among its members.
    const members = programs.get(programKey)?.memberGenders ?? [];
    const gender: Gender = members.length > 0 ? (members[Math.floor(rng() * members.length)] as Gender) : weighted(rng, GENDERS);
    const modes = subset(rng, MODES, 0.55);
    return {
      place,
      program: programs.get(programKey)!,
      timezone: place.timezone,
      languages: languagesAt(rng, place),
      gender,
      spiritualOrientation: weighted(rng, mixEntry.orientation),
      contactModes: modes.length ? modes : (['phone'] as ContactMode[]),
      accepts: mixEntry.accepts.filter((k) => programs.has(k) && isProgramMember(programs.get(k), gender)),
    };
  };

  const sponsors: Member<StoredSponsor>[] = [];
  for (let i = 1; i <= SPONSORS; i++) {
    const b = basics(weighted(rng, programShares).key);
    const displayName = pick(rng, FIRST_NAMES);
    const experiences = subset(rng, b.program.experiences, 0.22);
    // Mostly one to twenty years; a few under the program minimum (they are never proposed).
    const recoveryDays = rng() < 0.05 ? 100 + Math.floor(rng() * 250) : 365 + Math.floor(rng() * rng() * 20 * 365);
    const ageBand = rng() < 0.9 ? pick(rng, AGE_BANDS.slice(1)) : undefined;
    const location = rng() < 0.8 ? nearby(rng, b.place, 30) : undefined;
    const windows = availability(rng, 2 + Math.floor(rng() * 5));
    const capacity = 1 + Math.floor(rng() * 5);
    const accepting = rng() < 0.9;
    const hasOwnSponsor = rng() < 0.88;
    // Programs with steps: most sponsors with a year or more have worked all twelve, some are still on the way.
    const stepRoll = b.program.family === 'twelve-step' || b.program.family === 'family' || b.program.key === 'celebrate-recovery' ? rng() : -1;
    const steps = stepRoll < 0 ? 0 : stepRoll < 0.6 ? 12 : 3 + Math.floor(((stepRoll - 0.6) / 0.4) * 9);
    const affirming = rng() < 0.55;
    const onCard = experiences.filter(() => rng() < 0.6);
    const bio = rng() < 0.4 ? pick(rng, ['Happy to walk the steps with you.', 'One day at a time.', 'Parent of two; early riser.', 'I answer texts in the evening.']) : undefined;
    sponsors.push({
      email: email('sponsor', i),
      displayName,
      id: uuidFrom(rng),
      profile: (id, name) => ({
        _id: id,
        displayName: name,
        program: b.program.key,
        // Family groups count time in the program (a card reads "6 years in Al-Anon"), others recovery.
        ...(b.program.timeCountedAs === 'program' ? { programSince: dateDaysAgo(now, recoveryDays) } : { recoveryDate: dateDaysAgo(now, recoveryDays) }),
        timezone: b.timezone,
        availability: windows,
        contactModes: b.contactModes,
        languages: b.languages,
        gender: b.gender,
        lgbtqAffirming: affirming,
        spiritualOrientation: b.spiritualOrientation,
        ...(ageBand ? { ageBand } : {}),
        experiences,
        experiencesOnCard: onCard,
        ...(location ? { location } : {}),
        capacity,
        acceptingNewcomers: accepting,
        hasOwnSponsor,
        stepsCompleted: steps,
        ...(bio ? { bio } : {}),
        updatedAt: now,
      }),
    });
  }

  const newcomers: Member<StoredNewcomer>[] = [];
  for (let i = 1; i <= NEWCOMERS; i++) {
    // The first newcomer is a plain, well-served case for the demo's curl line.
    const b = basics(i === 1 ? 'aa' : weighted(rng, programShares).key);
    const displayName = pick(rng, FIRST_NAMES);
    const recoveryDays = rng() < 0.85 ? Math.floor(rng() * 300) : undefined;
    const experiences = rng() < 0.7 ? subset(rng, b.program.experiences, 0.25) : undefined;
    const ageBand = rng() < 0.85 ? pick(rng, AGE_BANDS) : undefined;
    const preferredAgeBands = rng() < 0.25 ? subset(rng, AGE_BANDS, 0.5) : undefined;
    const location = rng() < 0.7 ? nearby(rng, b.place, 30) : undefined;
    const windows = availability(rng, 2 + Math.floor(rng() * 5));
    const r = rng();
    const genderPreference: SponsorGenderPreference | undefined = r < 0.1 ? 'any' : r < 0.15 ? 'same' : r < 0.18 ? [pick(rng, ['woman', 'man', 'non-binary'] as Gender[])] : undefined;
    const wantsAffirming = rng() < 0.15;
    const mustMatch = b.spiritualOrientation === 'secular' ? rng() < 0.6 : rng() < 0.15;
    const accepted = subset(rng, b.accepts, 0.45);
    const maxDistanceKm = rng() < 0.25 ? 10 + Math.floor(rng() * 40) : undefined;
    const seeking = rng() < 0.95;
    newcomers.push({
      email: email('newcomer', i),
      displayName,
      id: uuidFrom(rng),
      profile: (id, name) => ({
        _id: id,
        displayName: name,
        program: b.program.key,
        acceptedPrograms: accepted,
        ...(recoveryDays === undefined ? {} : b.program.timeCountedAs === 'program' ? { programSince: dateDaysAgo(now, recoveryDays) } : { recoveryDate: dateDaysAgo(now, recoveryDays) }),
        timezone: b.timezone,
        availability: windows,
        contactModes: b.contactModes,
        languages: b.languages,
        gender: b.gender,
        ...(genderPreference ? { sponsorGenderPreference: genderPreference } : {}),
        wantsLgbtqAffirming: wantsAffirming,
        spiritualOrientation: b.spiritualOrientation,
        orientationMustMatch: mustMatch,
        ...(ageBand ? { ageBand } : {}),
        ...(preferredAgeBands?.length ? { preferredAgeBands } : {}),
        ...(experiences ? { experiences } : {}),
        ...(location ? { location } : {}),
        ...(maxDistanceKm ? { maxDistanceKm } : {}),
        seeking,
        updatedAt: now,
      }),
    });
  }

  const coordinatorPrograms = [
    ['aa', 'na', 'ca', 'cma', 'ma', 'ha'],
    ['smart', 'lifering', 'wfs', 'recovery-dharma', 'refuge-recovery'],
    ['celebrate-recovery', 'al-anon', 'nar-anon'],
  ].map((list) => list.filter((k) => programs.has(k)));
  // Programs an admin added to this database get a coordinator too.
  const covered = new Set(coordinatorPrograms.flat());
  coordinatorPrograms[0]!.push(...[...programs.keys()].filter((k) => !covered.has(k)).sort());
  const coordinators = coordinatorPrograms.map((list, k) => ({
    email: email('coordinator', k + 1),
    displayName: pick(rng, FIRST_NAMES),
    id: uuidFrom(rng),
    programs: list,
  }));
  return { sponsors, newcomers, coordinators };
}

// ---- writing ----

function progressLine(label: string, done: number, total: number) {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r  ${label}: ${done}/${total}${done === total ? '\n' : ''}`);
  } else if (done === total || done % 50 === 0) {
    process.stderr.write(`  ${label}: ${done}/${total}\n`);
  }
}

/** Creates the account unless its email exists; the id in use either way, and whether it is new. */
/** Demo accounts consent to the terms the service is configured with (TERMS_VERSION), so that they use it at once. */
async function ensureUser(users: UsersRepository, m: { email: string; displayName: string; id: string }, passwordHash: string, now: Date, termsVersion: string) {
  const user: User = {
    _id: m.id,
    email: m.email,
    displayName: m.displayName,
    passwordHash,
    consent: { healthData: true, adult: true, termsVersion, at: now },
    roles: { admin: false, coordinatorOf: [] },
    createdAt: now,
    // Demo people at example addresses: confirmed, so that the demo's matches can be made.
    emailVerified: true,
    emailVerifiedAt: now,
  };
  const existing = await users.findByEmail(m.email);
  if (existing) return { id: existing._id, displayName: existing.displayName, created: false };
  if (await users.create(user)) return { id: user._id, displayName: user.displayName, created: true };
  const raced = await users.findByEmail(m.email);
  if (!raced) throw new Error(`could not create ${m.email}`);
  return { id: raced._id, displayName: raced.displayName, created: false };
}

/** Creates the demo coordinators that are missing and gives each all of its programs. */
async function ensureCoordinators(
  users: UsersRepository,
  coordinators: ReadonlyArray<{ email: string; displayName: string; id: string; programs: string[] }>,
  passwordHash: () => Promise<string>,
  now: Date,
  termsVersion: string,
): Promise<{ created: number; changed: number }> {
  let created = 0;
  let changed = 0;
  for (const c of coordinators) {
    const existing = await users.findByEmail(c.email);
    const u = existing ? { id: existing._id, created: false } : await ensureUser(users, c, await passwordHash(), now, termsVersion);
    if (u.created) created++;
    const current = existing?.roles?.coordinatorOf ?? [];
    if (u.created || current.length !== c.programs.length || c.programs.some((k) => !current.includes(k))) {
      await users.setCoordinatorOf(u.id, c.programs);
      if (!u.created) changed++;
    }
  }
  return { created, changed };
}

/**
 * Approves the demo sponsors that have no vetting decision, but for the first
 * few in programs that pair, left waiting. Also repairs a community seeded
 * before vetting existed (whose sponsors would otherwise never be proposed).
 */
async function vetDemoSponsors(
  db: OpenDatabase,
  users: UsersRepository,
  sponsors: ReadonlyArray<{ email: string }>,
  programs: ReadonlyMap<string, StoredProgram>,
  now: Date,
): Promise<{ approved: string[]; pending: string[] }> {
  const profiles = createProfilesRepository(db.conn);
  const vetting = createVettingRepository(db.conn);
  const decided = await vetting.currentAll();
  const approve: Array<{ sponsorId: string; decision: { program: string; status: 'approved' } }> = [];
  const pending: string[] = [];
  for (const s of sponsors) {
    const u = await users.findByEmail(s.email);
    const profile = u && (await profiles.getSponsor(u._id));
    if (!profile || decided.has(profile._id)) continue;
    if (pending.length < PENDING_VETTING && programs.get(profile.program)?.pairing !== 'none') pending.push(s.email);
    else approve.push({ sponsorId: profile._id, decision: { program: profile.program, status: 'approved' } });
  }
  await vetting.insertFirst(approve, 'seed-demo', now);
  return { approved: approve.map((a) => a.sponsorId), pending };
}

async function run(db: OpenDatabase, production: boolean, baseUrl: string, termsVersion: string): Promise<void> {
  const now = new Date();
  await prepareDatabase(db.conn, { buildIndexes: production, now });
  const feed = createChangeFeed(db.conn, { clock: () => new Date() });
  try {
    await seed(db, feed, now, baseUrl, termsVersion);
  } finally {
    await feed.stop();
  }
}

async function seed(db: OpenDatabase, feed: ChangeFeed, now: Date, baseUrl: string, termsVersion: string): Promise<void> {
  const users = createUsersRepository(db.conn, feed);
  const profiles = createProfilesRepository(db.conn);
  const requests = createLifecycleRepository(db.conn);
  const programs = new Map((await createProgramsRepository(db.conn).list()).map((p) => [p.key, p]));
  const { sponsors, newcomers, coordinators } = community(programs, now);

  const lastEmail = newcomers[newcomers.length - 1]!.email;
  const alreadySeeded = (await users.findByEmail(sponsors[0]!.email)) && (await users.findByEmail(lastEmail));
  let created = 0;
  let profilesAdded = 0;
  const newcomerIds: string[] = [];
  let vetted: { approved: string[]; pending: string[] };
  if (alreadySeeded) {
    process.stderr.write(`seed:demo: ${sponsors[0]!.email} and ${lastEmail} already exist: the demo community is already seeded; no members added.\n`);
    for (const n of newcomers) {
      const u = await users.findByEmail(n.email);
      if (u) newcomerIds.push(u._id);
    }
    // A community seeded by an earlier version left some programs without a coordinator.
    const fixed = await ensureCoordinators(users, coordinators, () => hashPassword(DEMO_PASSWORD), now, termsVersion);
    created += fixed.created;
    if (fixed.changed > 0) process.stderr.write(`seed:demo: gave ${fixed.changed} demo coordinator(s) the programs they were missing.\n`);
    vetted = await vetDemoSponsors(db, users, sponsors, programs, now);
    if (vetted.approved.length > 0) {
      await feed.publish(vetted.approved.map((id) => ({ kind: 'sponsor' as const, id })), 'seed-demo');
      process.stderr.write(`seed:demo: approved ${vetted.approved.length} demo sponsor(s) seeded before vetting.\n`);
    }
  } else {
    const started = performance.now();
    process.stderr.write('seed:demo: hashing the demo password (argon2id, once)…\n');
    const passwordHash = await hashPassword(DEMO_PASSWORD);

    const newSponsorIds: string[] = [];
    for (const [k, s] of sponsors.entries()) {
      const u = await ensureUser(users, s, passwordHash, now, termsVersion);
      if (u.created) created++;
      if (!(await profiles.getSponsor(u.id))) {
        await profiles.insertSponsors([s.profile(u.id, u.displayName)]);
        newSponsorIds.push(u.id);
        profilesAdded++;
      }
      progressLine('sponsors', k + 1, sponsors.length);
    }
    for (const [k, n] of newcomers.entries()) {
      const u = await ensureUser(users, n, passwordHash, now, termsVersion);
      if (u.created) created++;
      newcomerIds.push(u.id);
      if (!(await profiles.getNewcomer(u.id))) {
        const profile = n.profile(u.id, u.displayName);
        await profiles.insertNewcomers([profile]);
        // Each has asked for a sponsor, where their program pairs members: pool runs take those with an open request.
        if (programs.get(profile.program)?.pairing !== 'none') await requests.insertOpenRequests(openRequestDocs([profile], now));
        profilesAdded++;
      }
      progressLine('newcomers', k + 1, newcomers.length);
    }
    created += (await ensureCoordinators(users, coordinators, () => Promise.resolve(passwordHash), now, termsVersion)).created;
    vetted = await vetDemoSponsors(db, users, sponsors, programs, now);
    // A running `npm start` follows this feed and indexes each sponsor within a few seconds.
    for (let k = 0; k < newSponsorIds.length; k += 100) {
      const chunk = newSponsorIds.slice(k, k + 100);
      await feed.publish(
        chunk.map((id) => ({ kind: 'sponsor' as const, id })),
        'seed-demo',
      );
      progressLine('change-feed events', k + chunk.length, newSponsorIds.length);
    }
    process.stderr.write(`seed:demo: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }

  // A newcomer who has proposals right now, for the curl line: ranked the way the API ranks.
  const engine = await startMatchingEngine({
    conn: db.conn,
    feed,
    clock: () => now,
    logger: pino({ level: 'silent' }),
    history: createEmptyMatchHistory(),
    pairCooldownDays: 90,
    termsVersion,
  });
  let demo: { email: string; id: string; count: number } | undefined;
  // One newcomer for each way programs pair, so the demo shows every model.
  const models: Array<{ what: string; found?: { email: string; id: string }; wants: (p: StoredProgram, hasProposals: boolean) => boolean }> = [
    { what: 'no one-to-one pairing: reads what the program offers instead of cards', wants: (p) => p.pairing === 'none' },
    { what: 'time counted in the program: cards say "years in" the program', wants: (p, has) => p.timeCountedAs === 'program' && has },
    { what: 'mentors rather than sponsors', wants: (p, has) => p.pairing === 'mentor' && has },
    { what: "a sponsor of one's own and all twelve steps required of sponsors", wants: (p, has) => p.ownSponsor === 'required' && has },
  ];
  try {
    for (const [k, id] of newcomerIds.entries()) {
      if (demo && models.every((m) => m.found)) break;
      const doc = await profiles.getNewcomer(id);
      const program = doc && programs.get(doc.program);
      if (!doc || !program) continue;
      const result = rank(engine.index, toNewcomerProfile(doc), engine.context(now, new Map(), id), 10);
      const has = result.top.length > 0 && program.pairing !== 'none';
      if (has && !demo) demo = { email: newcomers[k]!.email, id, count: result.eligibleCount };
      for (const m of models) if (!m.found && m.wants(program, has)) m.found = { email: newcomers[k]!.email, id };
    }
  } finally {
    await engine.stop();
  }

  const lines = [
    '',
    alreadySeeded
      ? `Demo community (already there): ${sponsors.length} sponsors, ${newcomers.length} newcomers, ${coordinators.length} coordinators.`
      : `Demo community: ${sponsors.length} sponsors, ${newcomers.length} newcomers, ${coordinators.length} coordinators ` +
        `(${created} accounts and ${profilesAdded} profiles added now).`,
    `Every demo account's password: ${DEMO_PASSWORD}`,
    'Coordinators:',
    ...coordinators.map((c) => `  ${c.email}  ${c.programs.join(', ')}`),
    `Sponsors: ${email('sponsor', 1)} … ${email('sponsor', SPONSORS)}; newcomers: ${email('newcomer', 1)} … ${email('newcomer', NEWCOMERS)}`,
    ...(vetted.pending.length ? [`Waiting for a coordinator's vetting (GET /api/v1/coordinator/sponsors?vetting=pending): ${vetted.pending.join(', ')}`] : []),
    `The service: ${baseUrl} (API docs at ${baseUrl}/docs)`,
    '',
  ];
  if (demo) {
    lines.push(
      `Log in as a newcomer (${demo.email}, ${demo.count} eligible sponsors) and ask for their proposals:`,
      '',
      `  TOKEN=$(curl -s -X POST ${baseUrl}/api/v1/auth/login -H 'content-type: application/json' \\`,
      `    -d '{"email":"${demo.email}","password":"${DEMO_PASSWORD}"}' | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).accessToken')`,
      `  curl -s -H "authorization: Bearer $TOKEN" '${baseUrl}/api/v1/newcomers/${demo.id}/proposals?limit=5'`,
      '',
    );
  } else {
    lines.push('No seeded newcomer has an eligible sponsor right now (unexpected); see the coordinator view for why.', '');
  }
  const found = models.filter((m) => m.found);
  if (found.length) {
    lines.push('Each program model, as a newcomer sees it (log in the same way, then ask for /api/v1/newcomers/<id>/proposals):');
    for (const m of found) lines.push(`  ${m.found!.email}  ${m.found!.id}  ${m.what}`);
    lines.push('');
  }
  lines.push(
    'A running `npm start` picks the new sponsors up from the change feed within a few seconds;',
    'if it was not running, they are in its candidate index from its next start.',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

const USAGE = 'usage: npm run seed:demo [-- --base-url http://127.0.0.1:3000]';

class UsageError extends Error {}

/** --base-url, when given: where the service the printed commands talk to is served. */
function parseArgs(argv: string[]): { baseUrl?: string } {
  let baseUrl: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    const m = /^--base-url(?:=(.*))?$/s.exec(argv[k]!);
    if (!m) throw new UsageError(`unknown argument ${JSON.stringify(argv[k])}; ${USAGE}`);
    if (baseUrl !== undefined) throw new UsageError(`--base-url given twice; ${USAGE}`);
    const value = m[1] ?? argv[++k];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--base-url needs a value; ${USAGE}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`--base-url: not a URL: ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--base-url: must be an http:// or https:// URL');
    baseUrl = url.href.replace(/\/+$/, '');
  }
  return baseUrl === undefined ? {} : { baseUrl };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/** Where `npm start` would listen with this environment, said so on stderr since nothing confirmed it. */
function configuredUrl(config: { host: string; port: number; dataDir: string }): string {
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  const url = `http://${host}:${config.port}`;
  process.stderr.write(
    `seed:demo: no running \`npm start\` recorded in ${config.dataDir}/server.json; the commands below assume ${url} (set PORT, or give --base-url)\n`,
  );
  return url;
}

async function main(): Promise<number> {
  const fail = (message: string, code = 1) => {
    process.stderr.write(`seed:demo: ${message}\n`);
    return code;
  };
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 2);
    throw err;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(`invalid configuration: ${err.problems.join('; ')}`);
    throw err;
  }
  // Demo accounts share a password written in this file and include
  // coordinators of every program: never in a real deployment.
  if (config.env === 'production') return fail('refusing to seed demo accounts with NODE_ENV=production');
  let db: OpenDatabase;
  try {
    db = await openDatabase(config, (m) => process.stderr.write(`seed:demo: ${m}\n`));
  } catch (err) {
    if (err instanceof LocalDatabaseUnavailable) return fail(`no database: ${err.message}`);
    return fail(`cannot reach the database: ${firstLine(err)}`);
  }
  const baseUrl = args.baseUrl ?? (await findRunningServer(config.dataDir)) ?? configuredUrl(config);
  try {
    await run(db, false, baseUrl, config.termsVersion);
    return 0;
  } catch (err) {
    return fail(`failed: ${firstLine(err)}`);
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`seed:demo: failed: ${firstLine(err)}\n`);
    process.exitCode = 1;
  },
);
