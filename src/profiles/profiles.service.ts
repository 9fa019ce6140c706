import { AppError, notFound, type FieldError } from '../errors.ts';
import type { Actor } from '../access/actor.ts';
import { newcomerAccess } from '../access/policy.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import type { Checked } from '../http/parse.ts';
import type { NewcomerProfileBody, NewcomerProfileInput, SponsorProfileBody, SponsorProfileInput } from './profiles.schemas.ts';
import type { ProfilesRepository, StoredNewcomer, StoredSponsor } from './profiles.repository.ts';
import { localDate, mergeWindows, round2 } from './profile-fields.ts';
import { changedLimitedFields, decideProfileChange, PROFILE_CHANGES_PER_WINDOW } from './profile-change-limit.ts';
import type { ProfileChangesRepository } from './profile-changes.repository.ts';

export interface ProfileChanges {
  newcomerChanged(userId: string, by: string): Promise<void>;
  sponsorChanged(userId: string, by: string): Promise<void>;
}

export interface ProfilesDeps {
  profiles: ProfilesRepository;
  programs: ProgramsRepository;
  users: UsersRepository;
  /** The caches that hold profiles (the matching engine's), told before the answer is sent. */
  changes: ProfileChanges;
  /** The claims that limit how often a newcomer changes what their proposals depend on. */
  changeClaims: ProfileChangesRepository;
  clock: () => Date;
}

function invalid(errors: FieldError[]): AppError {
  return new AppError('validation', 'invalid-profile', 'The profile has invalid or unknown fields.', { errors });
}

type DataChecked = Partial<{
  program: string;
  acceptedPrograms: string[];
  experiences: string[];
  experiencesOnCard: string[];
  recoveryDate: string;
  timezone: string;
}>;

/**
 * Checks that need data or the clock: known programs and experiences, a
 * recovery date not in the future. They run on the fields that passed the
 * schema, even when others did not, so that one answer lists every error; a
 * check whose inputs failed the schema is skipped (its field is already named).
 */
async function dataErrors(deps: ProfilesDeps, fields: DataChecked, schemaErrors: readonly FieldError[]): Promise<FieldError[]> {
  const failed = (field: string) => schemaErrors.some((e) => e.path === field || e.path.startsWith(`${field}.`));
  const errors: FieldError[] = [];
  const program = fields.program === undefined ? undefined : await deps.programs.get(fields.program);
  if (fields.program !== undefined && !program) errors.push({ path: 'program', message: 'Unknown program.' });
  for (const [i, key] of (fields.acceptedPrograms ?? []).entries()) {
    if (!(await deps.programs.exists(key))) errors.push({ path: `acceptedPrograms.${i}`, message: 'Unknown program.' });
  }
  if (program) {
    for (const [i, e] of (fields.experiences ?? []).entries()) {
      if (!program.experiences.includes(e)) errors.push({ path: `experiences.${i}`, message: `Not one of the experiences ${program.name} lists.` });
    }
  }
  if (!failed('experiences')) {
    for (const [i, e] of (fields.experiencesOnCard ?? []).entries()) {
      if (!(fields.experiences ?? []).includes(e)) errors.push({ path: `experiencesOnCard.${i}`, message: 'Only your own experiences can go on your card.' });
    }
  }
  if (fields.recoveryDate && fields.timezone && fields.recoveryDate > localDate(fields.timezone, deps.clock())) {
    errors.push({ path: 'recoveryDate', message: 'Must not be after today in your time zone.' });
  }
  return errors;
}

/** The parsed profile, or one 400 with the schema's errors and the data checks' errors together. */
async function checked<T extends DataChecked>(deps: ProfilesDeps, body: Checked<T>): Promise<T> {
  const schemaErrors = body.ok ? [] : body.errors;
  const errors = [...schemaErrors, ...(await dataErrors(deps, body.ok ? body.value : body.valid, schemaErrors))];
  if (!body.ok || errors.length) throw invalid(errors);
  return body.value;
}

async function displayNameOf(deps: ProfilesDeps, actor: Actor): Promise<string> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  return user.displayName;
}

type CommonInput = NewcomerProfileInput | SponsorProfileInput;

/** What both kinds of profile store: de-duplicated, windows merged, coordinates rounded. */
async function storedFields(deps: ProfilesDeps, actor: Actor, input: CommonInput) {
  const { location } = input;
  return {
    _id: actor.id,
    displayName: await displayNameOf(deps, actor),
    availability: mergeWindows(input.availability as StoredSponsor['availability']),
    contactModes: [...new Set(input.contactModes)],
    languages: [...new Set(input.languages)],
    ...(location ? { location: { ...location, lat: round2(location.lat), lon: round2(location.lon) } } : {}),
    updatedAt: deps.clock(),
  };
}

function view<T extends { _id: string; updatedAt: Date }>(doc: T) {
  const { _id, updatedAt, ...rest } = doc;
  return { userId: _id, ...rest, updatedAt: new Date(updatedAt).toISOString() };
}

function tooManyChanges(retryAfterSeconds: number): AppError {
  const hours = Math.ceil(retryAfterSeconds / 3600);
  const when = hours <= 1 ? 'within the hour' : `in about ${hours} hours`;
  return new AppError(
    'rate-limited',
    'profile-changes-limited',
    `You have already changed your program, languages, location or preferences ${PROFILE_CHANGES_PER_WINDOW} times in the last 24 hours. To keep every sponsor's details private, the next change can be made ${when}. Nothing was changed; everything else in your profile can be updated at any time.`,
    { retryAfterSeconds },
  );
}

/**
 * A change of what selects and orders the sponsors a newcomer is shown takes
 * a claim first (three per rolling day, shared by every instance); creating
 * the profile, or a PUT that leaves those fields as they were, takes none.
 */
async function claimLimitedChange(deps: ProfilesDeps, before: StoredNewcomer | undefined, after: StoredNewcomer): Promise<void> {
  if (!before || changedLimitedFields(before, after).length === 0) return;
  const now = deps.clock();
  await deps.changeClaims.claim(
    after._id,
    (recent) => {
      const decision = decideProfileChange(recent, now);
      if (!decision.allowed) throw tooManyChanges(decision.retryAfterSeconds);
      return decision.recent;
    },
    now,
  );
}

export async function putNewcomerProfile(deps: ProfilesDeps, actor: Actor, body: NewcomerProfileBody) {
  const input = await checked(deps, body);
  const doc = {
    ...input,
    ...(await storedFields(deps, actor, input)),
    acceptedPrograms: [...new Set(input.acceptedPrograms.filter((p) => p !== input.program))],
  } as StoredNewcomer;
  await claimLimitedChange(deps, await deps.profiles.getNewcomer(actor.id), doc);
  await deps.profiles.putNewcomer(doc);
  await deps.changes.newcomerChanged(actor.id, actor.id);
  return view(doc);
}

export async function getNewcomerProfile(deps: ProfilesDeps, actor: Actor) {
  const doc = await deps.profiles.getNewcomer(actor.id);
  if (!doc) throw notFound('newcomer-profile');
  return view(doc);
}

export async function putSponsorProfile(deps: ProfilesDeps, actor: Actor, body: SponsorProfileBody) {
  const input = await checked(deps, body);
  const doc = {
    ...input,
    ...(await storedFields(deps, actor, input)),
    experiencesOnCard: [...new Set(input.experiencesOnCard)],
  } as StoredSponsor;
  await deps.profiles.putSponsor(doc);
  // The index changes before the response: the very next proposals request sees it.
  await deps.changes.sponsorChanged(actor.id, actor.id);
  return view(doc);
}

export async function getSponsorProfile(deps: ProfilesDeps, actor: Actor) {
  const doc = await deps.profiles.getSponsor(actor.id);
  if (!doc) throw notFound('sponsor-profile');
  return view(doc);
}

/** A newcomer's whole profile, for a coordinator of their program (the route audits the read). */
export async function getNewcomerForCoordinator(deps: ProfilesDeps, actor: Actor, userId: string) {
  const doc = await deps.profiles.getNewcomer(userId);
  newcomerAccess(actor, doc ? { userId, program: doc.program } : undefined);
  return view(doc!);
}
