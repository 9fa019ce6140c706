import { AppError, notFound, type FieldError } from '../errors.ts';
import type { Actor } from '../access/actor.ts';
import { newcomerAccess } from '../access/policy.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import type { ProgramsRepository, StoredProgram } from '../programs/programs.repository.ts';
import { isProgramMember } from '../programs/program-rules.ts';
import type { Gender, ProfileContact } from './profile-types.ts';
import type { Checked } from '../http/parse.ts';
import type { NewcomerProfileBody, NewcomerProfileInput, SponsorProfileBody, SponsorProfileInput } from './profiles.schemas.ts';
import type { ProfilesRepository, StoredNewcomer, StoredSponsor } from './profiles.repository.ts';
import type { NewcomerDoc, SponsorDoc } from './profiles.model.ts';
import { contactOrDefault, localDate, mergeWindows, primaryLanguage, round2 } from './profile-fields.ts';
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
  /**
   * Told after a sponsor profile is stored and the caches have been told, with
   * the profile before the write (undefined when new) and as stored (neither
   * with its contact): the match lifecycle reacts to a new recovery date or
   * program. Its error fails the request; the profile stays stored.
   */
  sponsorSaved?: (before: StoredSponsor | undefined, after: StoredSponsor, by: string) => Promise<void>;
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
  programSince: string;
  timezone: string;
  gender: string;
  languages: string[];
  languagesForSponsoring: string[];
}>;

/** Which profile is checked: a sponsor's counted date is required, a newcomer's is optional. */
type ProfileKind = 'newcomer' | 'sponsor';

/** "Women for Sobriety is for women only" in the words of its memberGenders rule. */
function memberGendersError(path: string, program: StoredProgram): FieldError {
  const genders = (program.memberGenders ?? []).join(', ');
  return { path, message: `${program.name} is only for members of these genders (the program's memberGenders rule): ${genders}.` };
}

/**
 * Checks that need data or the clock: known programs and experiences, a
 * recovery date not in the future. They run on the fields that passed the
 * schema, even when others did not, so that one answer lists every error; a
 * check whose inputs failed the schema is skipped (its field is already named).
 */
async function dataErrors(deps: ProfilesDeps, kind: ProfileKind, fields: DataChecked, schemaErrors: readonly FieldError[]): Promise<FieldError[]> {
  const failed = (field: string) => schemaErrors.some((e) => e.path === field || e.path.startsWith(`${field}.`));
  const errors: FieldError[] = [];
  const program = fields.program === undefined ? undefined : await deps.programs.get(fields.program);
  if (fields.program !== undefined && !program) errors.push({ path: 'program', message: 'Unknown program.' });
  const gender = failed('gender') ? undefined : (fields.gender as Gender | undefined);
  // A program for members of some genders only (Women for Sobriety): a hard rule
  // for both sides, so a profile outside it is refused rather than stored and never matched.
  if (program && gender !== undefined && !isProgramMember(program, gender)) errors.push(memberGendersError('program', program));
  for (const [i, key] of (fields.acceptedPrograms ?? []).entries()) {
    const accepted = await deps.programs.get(key);
    if (!accepted) errors.push({ path: `acceptedPrograms.${i}`, message: 'Unknown program.' });
    else if (gender !== undefined && !isProgramMember(accepted, gender)) errors.push(memberGendersError(`acceptedPrograms.${i}`, accepted));
  }
  if (program && kind === 'sponsor') {
    // The date the program counts time from is required of a sponsor (Al-Anon: time in the program).
    const counted = program.timeCountedAs === 'program' ? 'programSince' : 'recoveryDate';
    if (fields[counted] === undefined && !failed(counted)) {
      errors.push({
        path: counted,
        message:
          counted === 'programSince'
            ? `Required: ${program.name} counts time in the program, from when you first came (YYYY-MM-DD).`
            : 'Required: the start of your continuous recovery (YYYY-MM-DD).',
      });
    }
  }
  if (!failed('languages') && fields.languages !== undefined) {
    const mine = new Set(fields.languages.map(primaryLanguage));
    for (const [i, tag] of (fields.languagesForSponsoring ?? []).entries()) {
      if (!mine.has(primaryLanguage(tag))) errors.push({ path: `languagesForSponsoring.${i}`, message: 'Must be one of your languages.' });
    }
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
  if (fields.programSince && fields.timezone && fields.programSince > localDate(fields.timezone, deps.clock())) {
    errors.push({ path: 'programSince', message: 'Must not be after today in your time zone.' });
  }
  return errors;
}

/** The parsed profile, or one 400 with the schema's errors and the data checks' errors together. */
async function checked<T extends DataChecked>(deps: ProfilesDeps, kind: ProfileKind, body: Checked<T>): Promise<T> {
  const schemaErrors = body.ok ? [] : body.errors;
  const errors = [...schemaErrors, ...(await dataErrors(deps, kind, body.ok ? body.value : body.valid, schemaErrors))];
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

/** The member's own view of their profile: with what they share at the introduction, the default filled in. */
function ownView<T extends { _id: string; updatedAt: Date; contact?: ProfileContact }>(doc: T, contact: ProfileContact | undefined) {
  const { contact: _stored, ...profile } = doc;
  return { ...view(profile), contact: contactOrDefault(contact) };
}

/** A profile as the repository's reads return it: without its contact. */
function withoutContact<T extends { contact?: ProfileContact }>(doc: T): Omit<T, 'contact'> {
  const { contact: _contact, ...profile } = doc;
  return profile;
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
  const input = await checked(deps, 'newcomer', body);
  const doc = {
    ...input,
    ...(await storedFields(deps, actor, input)),
    acceptedPrograms: [...new Set(input.acceptedPrograms.filter((p) => p !== input.program))],
  } as NewcomerDoc;
  await claimLimitedChange(deps, await deps.profiles.getNewcomer(actor.id), doc);
  await deps.profiles.putNewcomer(doc);
  await deps.changes.newcomerChanged(actor.id, actor.id);
  return ownView(doc, doc.contact);
}

export async function getNewcomerProfile(deps: ProfilesDeps, actor: Actor) {
  const [doc, contact] = await Promise.all([deps.profiles.getNewcomer(actor.id), deps.profiles.contactOf(actor.id, 'newcomer')]);
  if (!doc) throw notFound('newcomer-profile');
  return ownView(doc, contact);
}

/**
 * When the sponsor started taking newcomers, for ties (TIE_RULE): kept while
 * they stay open, set now when they open (or first appear open), and dropped
 * while they are closed, so that reopening counts from then.
 */
function availableSinceAfter(before: StoredSponsor | undefined, accepting: boolean, now: Date): string | undefined {
  if (!accepting) return undefined;
  if (before?.acceptingNewcomers === true && before.availableSince !== undefined) return before.availableSince;
  return now.toISOString();
}

export async function putSponsorProfile(deps: ProfilesDeps, actor: Actor, body: SponsorProfileBody) {
  const input = await checked(deps, 'sponsor', body);
  const { languagesForSponsoring, ...rest } = input;
  const before = await deps.profiles.getSponsor(actor.id);
  const availableSince = availableSinceAfter(before, input.acceptingNewcomers, deps.clock());
  const doc = {
    ...rest,
    ...(await storedFields(deps, actor, input)),
    experiencesOnCard: [...new Set(input.experiencesOnCard)],
    ...(languagesForSponsoring !== undefined ? { languagesForSponsoring: [...new Set(languagesForSponsoring)] } : {}),
    ...(input.sponsorsGenders !== undefined ? { sponsorsGenders: [...new Set(input.sponsorsGenders)] } : {}),
    ...(input.newcomerAgeBands !== undefined ? { newcomerAgeBands: [...new Set(input.newcomerAgeBands)] } : {}),
    ...(availableSince !== undefined ? { availableSince } : {}),
  } as SponsorDoc;
  await deps.profiles.putSponsor(doc);
  // The index changes before the response: the very next proposals request sees it.
  await deps.changes.sponsorChanged(actor.id, actor.id);
  if (deps.sponsorSaved) await deps.sponsorSaved(before, withoutContact(doc), actor.id);
  return ownView(doc, doc.contact);
}

export async function getSponsorProfile(deps: ProfilesDeps, actor: Actor) {
  const [doc, contact] = await Promise.all([deps.profiles.getSponsor(actor.id), deps.profiles.contactOf(actor.id, 'sponsor')]);
  if (!doc) throw notFound('sponsor-profile');
  return ownView(doc, contact);
}

/** A newcomer's whole profile, for a coordinator of their program (the route audits the read). */
export async function getNewcomerForCoordinator(deps: ProfilesDeps, actor: Actor, userId: string) {
  const doc = await deps.profiles.getNewcomer(userId);
  newcomerAccess(actor, doc ? { userId, program: doc.program } : undefined);
  return view(doc!);
}
