import { AppError, notFound } from '../errors.ts';
import type { Actor } from './actor.ts';

/**
 * Who may do what: every access decision of the service, in one file a
 * reviewer can read at once (the role → rights table of the models we
 * follow). Services ask; they do not decide. Each check either returns what
 * the caller may see or throws the AppError to answer with:
 * - 404 when the caller has no business knowing the thing exists (a member
 *   asking about another member);
 * - 403 when the caller is a coordinator, but of other programs.
 * Coordinators of a program read what they need of its members; admins can
 * do everything coordinators can, for every program; nobody else reads
 * anyone's data but their own.
 */

export const isCoordinatorOf = (actor: Actor, program: string): boolean => actor.isAdmin || actor.coordinatorOf.includes(program);

const isAnyCoordinator = (actor: Actor): boolean => actor.isAdmin || actor.coordinatorOf.length > 0;

const notCoordinatorOfProgram = (detail: string) => new AppError('forbidden', 'not-coordinator-of-program', detail);

/** The route-level gate: the role a route needs at all (the program is checked by the service through the rules below). */
export function requireRoleFor(actor: Actor | undefined, role: 'coordinator' | 'admin'): void {
  const allowed = actor && (role === 'admin' ? actor.isAdmin : isAnyCoordinator(actor));
  if (!allowed) throw new AppError('forbidden', 'forbidden', `This needs the ${role} role.`);
}

export type NewcomerAccess = 'self' | 'coordinator';

/**
 * A newcomer's profile and proposals: the newcomer, or a coordinator of their
 * program. A member who is neither learns nothing (404); a coordinator of
 * another program is told so (403).
 */
export function newcomerAccess(actor: Actor, newcomer: { userId: string; program: string } | undefined): NewcomerAccess {
  if (!newcomer) throw notFound('newcomer-profile');
  if (actor.id === newcomer.userId) return 'self';
  if (isCoordinatorOf(actor, newcomer.program)) return 'coordinator';
  if (isAnyCoordinator(actor)) throw notCoordinatorOfProgram("Only coordinators of this newcomer's program can see this.");
  throw notFound('newcomer-profile');
}

/** Why one particular sponsor was or was not proposed: coordinators only (a newcomer sees only the ranking). */
export function requireExplainAccess(access: NewcomerAccess): void {
  if (access !== 'coordinator') throw new AppError('forbidden', 'coordinators-only', 'Only coordinators can ask why a particular sponsor was or was not proposed.');
}

/**
 * How many proposals one answer holds. A newcomer sees a few (the order is
 * what helps them choose): more would let them browse the program's sponsors;
 * a larger limit is clamped, not refused. Coordinators get what they ask for.
 */
export const NEWCOMER_MAX_PROPOSALS = 5;
export function proposalLimit(access: NewcomerAccess, requested: number): number {
  return access === 'self' ? Math.min(requested, NEWCOMER_MAX_PROPOSALS) : requested;
}

/**
 * Explaining one sponsor reveals their years, orientation and free places: only
 * for a sponsor in a program this newcomer can be matched in (their own and the
 * ones they accept). Any other is answered like an unknown id (404), whoever asks.
 */
export function requireSponsorInNewcomerPrograms(newcomer: { program: string; acceptedPrograms: readonly string[] }, sponsor: { program: string } | undefined): void {
  if (!sponsor || (sponsor.program !== newcomer.program && !newcomer.acceptedPrograms.includes(sponsor.program))) throw notFound('sponsor-profile');
}

/**
 * A sponsor's profile and vetting, for coordinators: a coordinator of the
 * sponsor's program (or an admin) reads it and decides on it. An unknown
 * sponsor is 404; a coordinator of other programs is told so (403).
 */
export function requireSponsorCoordinator(actor: Actor, sponsor: { program: string } | undefined): void {
  if (!sponsor) throw notFound('sponsor-profile');
  if (!isCoordinatorOf(actor, sponsor.program)) throw notCoordinatorOfProgram("Only coordinators of this sponsor's program (or admins) can do this.");
}

/**
 * A vetting decision: a coordinator of the sponsor's program (or an admin),
 * and never about themselves (someone who coordinates and also sponsors is
 * vetted by another coordinator).
 */
export function requireVettingDecisionAccess(actor: Actor, sponsor: { userId: string; program: string } | undefined): void {
  requireSponsorCoordinator(actor, sponsor);
  if (actor.id === sponsor!.userId) throw new AppError('forbidden', 'cannot-vet-self', 'Another coordinator of your program vets your own sponsor profile.');
}

/**
 * Which sponsors a coordinator lists for vetting: those of the programs they
 * coordinate (all for an admin), or of the one program they name, if it is theirs.
 */
export function sponsorListScope(actor: Actor, program?: string): (sponsorProgram: string) => boolean {
  if (!isAnyCoordinator(actor)) throw new AppError('forbidden', 'forbidden', 'This needs the coordinator role.');
  if (program !== undefined) {
    requireProgramCoordinator(actor, program);
    return (p) => p === program;
  }
  return (p) => isCoordinatorOf(actor, p);
}

/** Acting in a program (its weights, a run limited to it): its coordinators and admins. */
export function requireProgramCoordinator(actor: Actor, program: string): void {
  if (!isCoordinatorOf(actor, program)) throw notCoordinatorOfProgram('Only coordinators of this program (or admins) can do this.');
}

/** The programs a pool run covers when none is named: all for an admin, else the caller's own. */
export function runScope(actor: Actor, known: ReadonlySet<string>): string[] {
  return actor.isAdmin ? [...known] : actor.coordinatorOf.filter((p) => known.has(p));
}

/** A stored run holds reasons about every newcomer in it: only someone who coordinates every program of the run (or an admin). */
export function requireRunAccess(actor: Actor, run: { programs: readonly string[] }): void {
  if (!actor.isAdmin && !run.programs.every((p) => actor.coordinatorOf.includes(p))) {
    throw notCoordinatorOfProgram('This run is for programs you do not coordinate.');
  }
}

// ---- consent ----

/** The consent that lets a member's data be used: to the current terms, with health data not withdrawn. */
export interface ConsentState {
  termsVersion: string;
  healthData: boolean;
}

export const hasCurrentConsent = (consent: ConsentState | undefined, currentVersion: string): boolean =>
  consent !== undefined && consent.termsVersion === currentVersion && consent.healthData === true;

/**
 * The gate in front of every data route (admins and coordinators too: they
 * are members bound by the same terms). Exempt routes (signing in and out, the
 * account itself, consent, export and erasure) are named by the routes.
 */
export function requireCurrentConsent(consent: ConsentState | undefined, currentVersion: string): void {
  if (hasCurrentConsent(consent, currentVersion)) return;
  const detail =
    consent?.termsVersion === currentVersion
      ? 'You withdrew your consent to keep health data: give it again (POST /api/v1/me/consent) to use this.'
      : `The terms changed: read version ${currentVersion} (GET /api/v1/terms) and give your consent again (POST /api/v1/me/consent) to use this.`;
  throw new AppError('forbidden', 'consent-required', detail, { members: { termsVersion: currentVersion } });
}

/** Whether a read of someone's data by this actor goes to the audit log: a coordinator's or admin's read of another member. */
export function isAuditedRead(actor: Actor, subjectIds: readonly string[]): boolean {
  return isAnyCoordinator(actor) && subjectIds.some((id) => id !== actor.id);
}

// ---- the match lifecycle ----

/** Who a caller is to a match: one of its two members, a coordinator who acts on it, or a coordinator who may only read it. */
export type MatchParty = 'newcomer' | 'sponsor' | 'coordinator' | 'reader';

/**
 * A match is seen by its newcomer; by its sponsor once they have been asked
 * (never while it waits for a coordinator); by the coordinators of the
 * newcomer's program, who act on it; and by the coordinators of the sponsor's
 * program, who may read it. Being a member of the match comes first: a
 * coordinator who is the newcomer does not approve their own match. Anyone
 * else: 404 for a member (existence is not revealed), 403 for a coordinator of
 * other programs.
 */
export function matchParty(
  actor: Actor,
  match: { newcomerId: string; sponsorId: string; newcomerProgram: string; sponsorProgram: string } | undefined,
  sponsorAsked: boolean,
): MatchParty {
  if (!match) throw notFound('match');
  if (actor.id === match.newcomerId) return 'newcomer';
  if (actor.id === match.sponsorId) {
    if (sponsorAsked) return 'sponsor';
    throw notFound('match');
  }
  if (isCoordinatorOf(actor, match.newcomerProgram)) return 'coordinator';
  if (isCoordinatorOf(actor, match.sponsorProgram)) return 'reader';
  if (isAnyCoordinator(actor)) throw notCoordinatorOfProgram("Only coordinators of this match's programs can see it.");
  throw notFound('match');
}

/** A step on a match: its members and the newcomer's program's coordinators; the sponsor's program's coordinators only read. */
export function requireMatchActor(party: MatchParty): asserts party is Exclude<MatchParty, 'reader'> {
  if (party === 'reader') throw notCoordinatorOfProgram("Only coordinators of the newcomer's program act on this match; you may read it.");
}

/**
 * What only the two members of a match do (block the other, report a concern,
 * make a temporary match ongoing): coordinators read and act on the match, but
 * these are not theirs.
 */
export function requireMatchMember(party: MatchParty, what: string): asserts party is 'newcomer' | 'sponsor' {
  if (party !== 'newcomer' && party !== 'sponsor') throw new AppError('forbidden', 'members-only', `Only a member of the match can ${what}.`);
}

/** A request for a sponsor: only its newcomer (anyone else: 404, as if it did not exist). */
export function requireRequestOwner(actor: Actor, request: { userId: string } | undefined): void {
  if (!request || request.userId !== actor.id) throw notFound('match-request');
}

/** Making a match for a request: a coordinator of the newcomer's program (or an admin). */
export function requireRequestCoordinator(actor: Actor, request: { program: string } | undefined): void {
  if (!request) throw notFound('match-request');
  if (!isCoordinatorOf(actor, request.program)) throw notCoordinatorOfProgram("Only coordinators of this newcomer's program (or admins) can do this.");
}

/** The programs whose queue, matches or concerns a coordinator reads: theirs (all for an admin), or the one they name, if it is theirs. */
export function coordinatorProgramScope(actor: Actor, program?: string): readonly string[] | 'all' {
  if (!isAnyCoordinator(actor)) throw new AppError('forbidden', 'forbidden', 'This needs the coordinator role.');
  if (program !== undefined) {
    requireProgramCoordinator(actor, program);
    return [program];
  }
  return actor.isAdmin ? 'all' : actor.coordinatorOf;
}

/** Whether the caller reads the coordinators' view of the match lists (their programs') rather than their own matches. */
export const readsAsCoordinator = (actor: Actor): boolean => isAnyCoordinator(actor);
