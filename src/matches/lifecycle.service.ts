import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Actor } from '../access/actor.ts';
import {
  coordinatorProgramScope,
  hasCurrentConsent,
  matchParty,
  readsAsCoordinator,
  requireMatchActor,
  requireMatchMember,
  requireRequestCoordinator,
  requireRequestOwner,
  requireRunAccess,
  type MatchParty,
} from '../access/policy.ts';
import { isVerified, type UsersRepository } from '../auth/users.repository.ts';
import type { ChainVersion } from '../db/chain.ts';
import { AppError, notFound } from '../errors.ts';
import type { Outbox } from '../mail/outbox.service.ts';
import type { TemplateData, TemplateName } from '../mail/templates.ts';
import type { MatchingEngine } from '../matching/matching-engine.ts';
import { getProposals, resolveSponsorHandle, type MatchingDeps } from '../matching/matching.service.ts';
import { recoveryDays, recoveryMonths, recoveryYears } from '../matching/recovery.ts';
import type { RunsRepository } from '../matching/runs.repository.ts';
import type { SponsorHandles } from '../matching/sponsor-handles.ts';
import type { ProfilesRepository, StoredSponsor } from '../profiles/profiles.repository.ts';
import type { StoredProgram } from '../programs/programs.repository.ts';
import type { LifecycleRepository, MatchDoc, MatchSeed, MatchStatus, PairEventRecord, PlaceHolder, PlacesState, RequestDoc, RequestKind, RequestState } from './lifecycle.repository.ts';
import { createPairHistory, recordPairEvent } from './pair-history.ts';
import { RACE_ATTEMPTS, untilWritten } from './retry.ts';
import {
  ACTIONS_WITH_REASON,
  AWAITING_STATES,
  actionsFor,
  decide,
  holdsPlace,
  isIntroduced,
  isTerminal,
  MEMBER_ACTIONS,
  type EndReason,
  type MatchAction,
  type MatchRole,
  type MatchState,
} from './transitions.ts';

export interface LifecycleDeps {
  repo: LifecycleRepository;
  engine: MatchingEngine;
  /** The matching service's own deps: proposals for the queue, and the handles on a newcomer's cards. */
  matching: MatchingDeps;
  profiles: Pick<ProfilesRepository, 'getSponsor' | 'getNewcomer' | 'contactOf'>;
  users: Pick<UsersRepository, 'findById' | 'coordinatorsOf'>;
  outbox: Pick<Outbox, 'enqueue'>;
  handles: SponsorHandles;
  runs: Pick<RunsRepository, 'get'>;
  clock: () => Date;
  log: Logger;
  responseHours: number;
  temporaryMatchDays: number;
  crisisLine: string;
  /** The current terms: no match is made with a member whose consent is to older ones (or withdrawn). */
  termsVersion: string;
  /** A sponsor's places changed: this instance's index at once, the others through the change feed (a worker without an index only announces it). */
  placesChanged(sponsorId: string, by: string): Promise<void>;
}

/** What the steps, their effects and the jobs need: no matching index (the worker runs them too). */
export type CoreDeps = Omit<LifecycleDeps, 'engine' | 'matching' | 'handles' | 'runs'>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A place whose match is younger than this may still be being written: the reconciler leaves it. */
export const RECONCILE_GRACE_MS = 10 * 60_000;
const WAITING_FLAG_MS = 48 * HOUR_MS;
const RECENTLY_ENDED_MS = 30 * DAY_MS;

const conflict = (slug: string, detail: string, members?: Record<string, unknown>) => new AppError('conflict', slug, detail, members ? { members } : {});
const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);

// ---- the places chain: capacity as an invariant ----

/**
 * Takes one of the sponsor's places for this match: the next version of their
 * places chain, inserted once, so that two approvals racing for the last place
 * cannot both take it. Idempotent for a match that holds one already.
 * The capacity is the profile's now: lowered below the places in use, it
 * blocks new places until enough matches end.
 */
export async function takePlace(deps: CoreDeps, sponsorId: string, holder: { matchId: string; requestId: string }, by: string): Promise<void> {
  const profile = await deps.profiles.getSponsor(sponsorId);
  const capacity = profile?.acceptingNewcomers === false ? 0 : (profile?.capacity ?? 0);
  await deps.repo.ensurePlacesSummary(sponsorId);
  await changePlaces(deps, sponsorId, by, RACE_ATTEMPTS, (holders) => {
    if (holders.some((h) => h.matchId === holder.matchId)) return undefined;
    if (holders.length >= capacity) {
      throw conflict('sponsor-at-capacity', 'This sponsor has no free place now (their places are all taken, or they are not taking anyone new).');
    }
    return { capacity, holders: [...holders, { ...holder, at: deps.clock() }] };
  });
}

/** Gives the match's place back, if it holds one (idempotent). */
export async function releasePlace(deps: CoreDeps, sponsorId: string, matchId: string, by: string): Promise<void> {
  // Releases contend with every approval of the sponsor: more attempts, so that a place is not left held.
  await changePlaces(deps, sponsorId, by, RACE_ATTEMPTS * 2, (holders, capacity) =>
    holders.some((h) => h.matchId === matchId) ? { capacity, holders: holders.filter((h) => h.matchId !== matchId) } : undefined,
  );
}

/** The places chain's next version as `next` makes it from the latest (undefined: nothing to change); on a lost race, read again. */
async function changePlaces(
  deps: CoreDeps,
  sponsorId: string,
  by: string,
  attempts: number,
  next: (holders: readonly PlaceHolder[], capacity: number) => PlacesState | undefined,
): Promise<void> {
  const written = await untilWritten(
    "This sponsor's places",
    async () => {
      const v = await deps.repo.places(sponsorId);
      const state = next(v?.state.holders ?? [], v?.state.capacity ?? 0);
      return state && { n: (await deps.repo.appendPlaces(sponsorId, v?.n ?? 0, state, by, deps.clock())).n, used: state.holders.length };
    },
    attempts,
  );
  if (!written) return;
  await deps.repo.setPlacesSummary(sponsorId, written.n, written.used);
  // This instance's index at once, the others through the change feed.
  await deps.placesChanged(sponsorId, by);
}

// ---- reading a match ----

interface Loaded {
  match: MatchDoc;
  status: ChainVersion<MatchStatus>;
}

/** The match and its latest version; a match linked to its request but not yet written (a crash, or still in flight) is written now from the request's record. */
async function load(deps: CoreDeps, matchId: string): Promise<Loaded | undefined> {
  const match = await deps.repo.match(matchId);
  if (!match) return undefined;
  const status = await statusWriting(deps, match);
  return status ? { match, status } : undefined;
}

/** A match's latest version; a match linked (its seed in hand) but never written is written first, once. */
async function statusWriting(deps: CoreDeps, seed: MatchSeed): Promise<ChainVersion<MatchStatus> | undefined> {
  const status = await deps.repo.status(seed.matchId);
  if (status) return status;
  await deps.repo.insertMatch(seed, firstStatus(seed));
  return deps.repo.status(seed.matchId);
}

function firstStatus(seed: MatchSeed): MatchStatus {
  return { status: seed.startState, action: 'create', role: seed.createdRole, kind: seed.kind, sponsorAsked: seed.startState === 'awaiting-sponsor' };
}

/** The match a request's latest version links, if that match is still live; writes it first if it was linked but never written. */
async function liveLinked(deps: CoreDeps, state: RequestState | undefined): Promise<{ id: string; status: MatchState } | undefined> {
  const seed = state?.match;
  if (!seed) return undefined;
  const status = await statusWriting(deps, seed);
  return status && !isTerminal(status.state.status) ? { id: seed.matchId, status: status.state.status } : undefined;
}

// ---- requests ----

async function requestOpenState(deps: CoreDeps, request: RequestDoc) {
  const [claim, v] = await Promise.all([deps.repo.openClaim(request.userId), deps.repo.requestState(request._id)]);
  return { v, open: (v?.state.status ?? 'open') === 'open' && claim?.requestId === request._id };
}

async function requestView(deps: CoreDeps, request: RequestDoc) {
  const { v, open } = await requestOpenState(deps, request);
  const status = v?.state.status ?? 'open';
  const live = await liveLinked(deps, v?.state);
  return {
    id: request._id,
    kind: request.kind,
    ...(request.note !== undefined ? { note: request.note } : {}),
    // An open request's claim may have been lost to a crash before it was written: such a request was never open.
    status: status === 'open' && !open ? ('withdrawn' as const) : status,
    createdAt: iso(request.createdAt)!,
    updatedAt: iso(v?.at ?? request.createdAt)!,
    ...(live ? { match: { id: live.id, state: live.status } } : {}),
  };
}

export async function createRequest(deps: LifecycleDeps, actor: Actor, input: { kind: RequestKind; note?: string }) {
  const newcomer = await deps.engine.newcomer(actor.id);
  if (!newcomer) throw conflict('newcomer-profile-required', 'Create your newcomer profile first (PUT /api/v1/me/newcomer-profile): it is what proposals are made from.');
  const program = deps.engine.programs().get(newcomer.program);
  if (program?.pairing === 'none') {
    throw conflict('program-has-no-pairing', `${program.name} does not pair members one to one.`, {
      program: program.key,
      offers: program.offers ?? `${program.name} offers meetings and its own ways of mutual help; a coordinator can tell you more.`,
    });
  }
  const note = input.note?.trim();
  const request: RequestDoc = { _id: randomUUID(), userId: actor.id, kind: input.kind, ...(note ? { note } : {}), program: newcomer.program, createdAt: deps.clock() };
  // The document first, then the claim: a crash in between leaves a request nobody sees as open, never a claim without a request.
  await deps.repo.insertRequest(request);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await deps.repo.claimOpenRequest(actor.id, request._id, request.createdAt)) return requestView(deps, request);
    const held = await deps.repo.openClaim(actor.id);
    if (!held) continue;
    const other = await deps.repo.request(held.requestId);
    const otherState = await deps.repo.requestState(held.requestId);
    if (other && (otherState?.state.status ?? 'open') === 'open') break;
    // A claim left by a request that closed (its release was cut short): released, then tried once more.
    await deps.repo.releaseClaim(actor.id, held.requestId);
  }
  await deps.repo.deleteRequest(request._id);
  const held = await deps.repo.openClaim(actor.id);
  throw conflict('request-already-open', 'You already have an open request. You can withdraw it and ask again.', held ? { openRequestId: held.requestId } : undefined);
}

export async function myRequests(deps: LifecycleDeps, actor: Actor) {
  const docs = (await deps.repo.requestsOf(actor.id)).sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime());
  return { requests: await Promise.all(docs.map((d) => requestView(deps, d))) };
}

/** Appends the next version of a request's chain after `check` accepts its latest; reads again on a lost race. */
async function changeRequest(
  deps: CoreDeps,
  requestId: string,
  by: string,
  next: (current: ChainVersion<RequestState> | undefined) => Promise<RequestState | undefined> | RequestState | undefined,
): Promise<ChainVersion<RequestState> | undefined> {
  return untilWritten('This request', async () => {
    const current = await deps.repo.requestState(requestId);
    const state = await next(current);
    return state && (await deps.repo.appendRequest(requestId, current?.n ?? 0, state, by, deps.clock()));
  });
}

export async function withdrawRequest(deps: LifecycleDeps, actor: Actor, requestId: string) {
  const request = await deps.repo.request(requestId);
  requireRequestOwner(actor, request);
  let linked: MatchSeed | undefined;
  await changeRequest(deps, requestId, actor.id, async (current) => {
    const status = current?.state.status ?? 'open';
    if (status !== 'open') throw conflict('request-not-open', `This request is ${status}: only an open request can be withdrawn.`, { requestStatus: status });
    const live = await liveLinked(deps, current?.state);
    if (live && !['pending-approval', 'awaiting-sponsor', 'awaiting-newcomer'].includes(live.status)) {
      throw conflict('request-not-open', 'This request has led to a match already.', { state: live.status });
    }
    linked = live ? current!.state.match : undefined;
    return { status: 'withdrawn', ...(current?.state.match ? { match: current.state.match } : {}), change: 'withdrawn' };
  });
  // The match being arranged for it is withdrawn too (its sponsor, if asked, gets the neutral notice).
  if (linked) await systemStep(deps, linked.matchId, 'withdraw', actor.id, { cause: 'request-withdrawn' });
  await deps.repo.releaseClaim(request!.userId, requestId);
}

/**
 * A member left (withdrew their health-data consent, or their account is
 * being erased): their open requests are withdrawn and every live match of
 * theirs ends (before it was active: withdrawn), each member who stays told
 * with the neutral notice, never why. Safe to run again: what is already
 * closed is left as it is.
 */
export async function memberLeft(deps: CoreDeps, userId: string, by: string): Promise<void> {
  for (const request of await deps.repo.requestsOf(userId)) {
    await changeRequest(deps, request._id, by, (current) =>
      (current?.state.status ?? 'open') === 'open' ? { status: 'withdrawn', ...(current?.state.match ? { match: current.state.match } : {}), change: 'withdrawn' } : undefined,
    );
    await deps.repo.releaseClaim(userId, request._id);
  }
  const [asNewcomer, asSponsor] = await Promise.all([deps.repo.matchesOf('newcomerId', userId), deps.repo.matchesOf('sponsorId', userId)]);
  for (const [matches, leftBy] of [
    [asNewcomer, 'newcomer'],
    [asSponsor, 'sponsor'],
  ] as const) {
    for (const m of matches) {
      const status = await deps.repo.status(m._id);
      if (status && isTerminal(status.state.status)) continue;
      await systemStep(deps, m._id, 'leave', by, { cause: 'member-left', leftBy });
    }
  }
}

/** The newcomers whose request is open with no live match: who a pool run takes. */
export async function openRequesters(repo: LifecycleRepository): Promise<ReadonlySet<string>> {
  const [claims, states] = await Promise.all([repo.allOpenClaims(), repo.latestRequestStates()]);
  const out = new Set<string>();
  for (const c of claims) {
    const v = states.get(c.requestId);
    if ((v?.state.status ?? 'open') !== 'open') continue;
    const seed = v?.state.match;
    if (seed) {
      const s = await repo.status(seed.matchId);
      if (!s || !isTerminal(s.state.status)) continue;
    }
    out.add(c.userId);
  }
  return out;
}

// ---- creating a match: the request chain is the commit ----

/**
 * The one way a match comes to be, in an order that a crash can only leave a
 * place held without a live match (which the reconciler releases):
 * 1. take the sponsor's place (when the match starts at awaiting-sponsor);
 * 2. link the match to its request: the request's next version, which holds
 *    everything the match is made of: two matches racing for one request
 *    cannot both be linked (on losing, the place is given back);
 * 3. write the match's document and first version (also written by any
 *    reader that finds the link without them);
 * 4. make its effects (the emails).
 */
async function linkMatch(deps: LifecycleDeps, seed: MatchSeed): Promise<string> {
  await requireVerified(deps, seed);
  if (seed.startState === 'awaiting-sponsor') await takePlace(deps, seed.sponsorId, { matchId: seed.matchId, requestId: seed.requestId }, seed.createdBy);
  try {
    await changeRequest(deps, seed.requestId, seed.createdBy, async (current) => {
      const status = current?.state.status ?? 'open';
      if (status !== 'open') throw conflict('no-open-request', `This request is ${status}.`, { requestStatus: status });
      // A request whose claim was never written (a crash at its creation) was never open.
      if ((await deps.repo.openClaim(seed.newcomerId))?.requestId !== seed.requestId) throw conflict('no-open-request', 'This request is not open.');
      const live = await liveLinked(deps, current?.state);
      if (live) throw conflict('request-has-match', 'A match is already being arranged for this request.', { matchId: live.id, state: live.status });
      return { status: 'open', match: seed, change: 'linked' };
    });
  } catch (err) {
    if (seed.startState === 'awaiting-sponsor') await releasePlace(deps, seed.sponsorId, seed.matchId, seed.createdBy);
    throw err;
  }
  await deps.repo.insertMatch(seed, firstStatus(seed));
  await settle(deps, seed.matchId);
  return seed.matchId;
}

/**
 * No match is made for an account whose address is not confirmed (the emails
 * of a match could not go to it), nor with a member whose consent is not to
 * the current terms (their data may not be used until they give it).
 */
async function requireVerified(deps: LifecycleDeps, seed: MatchSeed): Promise<void> {
  const [newcomer, sponsor] = await Promise.all([deps.users.findById(seed.newcomerId), deps.users.findById(seed.sponsorId)]);
  for (const [who, u] of [
    ['newcomer', newcomer],
    ['sponsor', sponsor],
  ] as const) {
    if (u && !hasCurrentConsent(u.consent, deps.termsVersion)) {
      throw conflict('consent-required', `The ${who} has not given consent to the current terms: no match can be made with them until they do.`, { consentRequired: who });
    }
  }
  if (newcomer && !isVerified(newcomer)) {
    throw conflict('email-unverified', 'The newcomer has not confirmed their email address yet: no match can be made until they do (the link is in the email we sent them; they can ask for another).', {
      unverified: 'newcomer',
    });
  }
  if (sponsor && !isVerified(sponsor)) {
    throw conflict('email-unverified', 'This sponsor has not confirmed their email address yet: no match can be made with them until they do.', { unverified: 'sponsor' });
  }
}

/** The hard rules between this newcomer and sponsor now (capacity is the places chain's to say). */
async function pairCheck(deps: LifecycleDeps, newcomerId: string, sponsorId: string) {
  const newcomer = await deps.engine.newcomer(newcomerId);
  if (!newcomer) throw notFound('newcomer-profile');
  const sponsor = deps.engine.sponsor(sponsorId);
  const history = await createPairHistory(deps.repo).pairHistory(newcomerId);
  const e = sponsor ? deps.engine.explain(newcomer, sponsorId, { now: deps.clock(), history }) : undefined;
  const failing = e && !e.eligible ? e.failingRules.filter((r) => r !== 'at-capacity') : [];
  return { newcomer, sponsor, known: e !== undefined, failing };
}

async function seedFor(deps: LifecycleDeps, request: RequestDoc, sponsorId: string, by: Actor | string, origin: MatchSeed['origin'], runId?: string): Promise<MatchSeed> {
  const newcomer = await deps.engine.newcomer(request.userId);
  const sponsor = deps.engine.sponsor(sponsorId);
  const byId = typeof by === 'string' ? by : by.id;
  return {
    matchId: randomUUID(),
    requestId: request._id,
    newcomerId: request.userId,
    sponsorId,
    newcomerProgram: newcomer?.program ?? request.program,
    sponsorProgram: sponsor?.program ?? '',
    kind: request.kind,
    origin,
    ...(runId ? { runId } : {}),
    startState: origin === 'choice' ? 'pending-approval' : 'awaiting-sponsor',
    createdBy: byId,
    createdRole: origin === 'choice' ? 'newcomer' : 'coordinator',
    createdAt: deps.clock(),
  };
}

/** A newcomer picks a sponsor from their own proposals (by the handle on the card): a match waiting for a coordinator. */
export async function chooseSponsor(deps: LifecycleDeps, actor: Actor, requestId: string, handle: string) {
  const request = await deps.repo.request(requestId);
  requireRequestOwner(actor, request);
  const sponsorId = await resolveSponsorHandle(deps.matching, actor.id, handle);
  const notProposed = (slug: string) =>
    conflict(slug, 'This person is no longer among your proposals (they may have no free place now). Please choose someone else from your current proposals, or ask a coordinator.');
  if (!sponsorId) throw notProposed('sponsor-not-proposed');
  const check = await pairCheck(deps, actor.id, sponsorId);
  if (!check.known || check.failing.length > 0) throw notProposed('sponsor-not-proposed');
  if (deps.engine.index.usedPlaces(sponsorId) >= (check.sponsor?.capacity ?? 0)) throw notProposed('sponsor-at-capacity');
  const id = await linkMatch(deps, await seedFor(deps, request!, sponsorId, actor, 'choice'));
  return getMatch(deps, actor, id);
}

/** A coordinator makes a match for a request: approved by that act, the sponsor is asked at once. */
export async function coordinatorCreate(deps: LifecycleDeps, actor: Actor, input: { requestId: string; sponsorId: string }) {
  const request = await deps.repo.request(input.requestId);
  requireRequestCoordinator(actor, request && (await programNow(deps, request)));
  const id = await createFor(deps, actor, request!, input.sponsorId, 'coordinator');
  return getMatch(deps, actor, id);
}

/** Whose coordinators act on a request: those of the newcomer's program now (they may have moved since they asked). */
async function programNow(deps: LifecycleDeps, request: RequestDoc): Promise<{ program: string }> {
  return { program: (await deps.engine.newcomer(request.userId))?.program ?? request.program };
}

async function createFor(deps: LifecycleDeps, actor: Actor, request: RequestDoc, sponsorId: string, origin: 'coordinator' | 'run', runId?: string) {
  const check = await pairCheck(deps, request.userId, sponsorId);
  if (!check.known) throw notFound('sponsor-profile');
  if (check.failing.length > 0) throw conflict('pair-not-eligible', 'This sponsor cannot be matched with this newcomer now.', { failingRules: check.failing });
  return linkMatch(deps, await seedFor(deps, request, sponsorId, actor, origin, runId));
}

/** All or some pairs of a stored run, each with its own result. */
export async function approveRun(deps: LifecycleDeps, actor: Actor, runId: string, pairs?: ReadonlyArray<{ newcomerId: string; sponsorId: string }>) {
  const run = await deps.runs.get(runId);
  if (!run) throw notFound('matching-run');
  requireRunAccess(actor, run);
  const inRun = new Set(run.pairs.map((p) => `${p.newcomerId}:${p.sponsorId}`));
  const wanted = pairs ?? run.pairs.map(({ newcomerId, sponsorId }) => ({ newcomerId, sponsorId }));
  const results = [];
  for (const p of wanted) {
    const base = { newcomerId: p.newcomerId, sponsorId: p.sponsorId };
    if (!inRun.has(`${p.newcomerId}:${p.sponsorId}`)) {
      results.push({ ...base, result: 'not-in-run', detail: 'This pair is not in this run.' });
      continue;
    }
    const claim = await deps.repo.openClaim(p.newcomerId);
    const request = claim ? await deps.repo.request(claim.requestId) : undefined;
    if (!request) {
      results.push({ ...base, result: 'no-open-request', detail: 'This newcomer has no open request now.' });
      continue;
    }
    try {
      requireRequestCoordinator(actor, await programNow(deps, request));
      const matchId = await createFor(deps, actor, request, p.sponsorId, 'run', runId);
      results.push({ ...base, result: 'created', matchId });
    } catch (err) {
      if (!(err instanceof AppError) || err.kind === 'unavailable') throw err;
      results.push({ ...base, result: err.slug.replace(/-not-found$/, '-gone'), detail: err.detail });
    }
  }
  return { runId, results };
}

// ---- steps on a match ----

interface StepInput {
  reason?: EndReason;
  note?: string;
}

/** A person's step: the transition table decides; the match's chain makes one of two racing steps win. */
export async function act(deps: LifecycleDeps, actor: Actor, matchId: string, action: (typeof MEMBER_ACTIONS)[number] | 'block', input: StepInput = {}) {
  const loaded = await load(deps, matchId);
  const party = matchParty(actor, loaded?.match, loaded?.status.state.sponsorAsked ?? false);
  requireMatchActor(party);
  if (ACTIONS_WITH_REASON.has(action) && !input.reason) {
    throw new AppError('validation', 'reason-required', `To ${action}, say why (seen by coordinators only).`, { errors: [{ path: 'reason', message: 'Required' }] });
  }
  if (action === 'block') {
    requireMatchMember(party, 'block the other');
    const other = party === 'newcomer' ? loaded!.match.sponsorId : loaded!.match.newcomerId;
    // Recorded first, in both members' histories (either may be the newcomer of a later proposal):
    // even if the match has already ended, the two are never proposed to each other again.
    const at = deps.clock();
    await recordPairEvent(deps.repo, actor.id, { other, kind: 'blocked', at, key: 'block' });
    await recordPairEvent(deps.repo, other, { other: actor.id, kind: 'blocked', at, key: 'block' });
    if (isTerminal(loaded!.status.state.status)) return getMatch(deps, actor, matchId);
  }
  await step(deps, matchId, action, party, actor.id, input);
  return getMatch(deps, actor, matchId);
}

async function step(
  deps: CoreDeps,
  matchId: string,
  action: MatchAction,
  role: MatchRole,
  by: string,
  input: StepInput & { cause?: MatchStatus['cause']; leftBy?: MatchStatus['leftBy']; onlyIf?: (current: ChainVersion<MatchStatus>) => boolean } = {},
): Promise<ChainVersion<MatchStatus>> {
  let decidedFrom: MatchState | undefined;
  const v = await untilWritten('This match', async () => {
    const loaded = await load(deps, matchId);
    if (!loaded) throw notFound('match');
    const { match, status: current } = loaded;
    // Two steps racing from one state: a person's step that lost does not decide again on the winner's state (409).
    // The system's decide again: a withdrawal holds whatever state the match reached before active; an expiry or a term checks its own deadline (onlyIf).
    if (role !== 'system' && decidedFrom !== undefined && current.state.status !== decidedFrom) {
      throw conflict('illegal-transition', `This match changed at the same moment: it is now ${current.state.status}.`, {
        state: current.state.status,
        allowedActions: visibleActions(current.state.status, role, current.state.kind),
      });
    }
    // A job's step holds only for the version it was meant for (expiry of this wait, not of the next one).
    if (input.onlyIf && !input.onlyIf(current)) throw conflict('illegal-transition', 'The match moved on.', { state: current.state.status, allowedActions: [] });
    decidedFrom = current.state.status;
    const d = decide(current.state.status, action, role);
    if (!d.ok) {
      const allowed = d.allowed.filter((a) => a !== 'expire' && a !== 'withdraw' && a !== 'term-end' && a !== 'leave');
      // Someone else's step (the table says who): an illegal transition for this caller, named as such.
      if (d.why === 'not-your-action') throw conflict('not-your-step', `This step is not yours to take while the match is ${current.state.status}.`, { state: current.state.status, allowedActions: allowed });
      throw conflict('illegal-transition', `This match is ${current.state.status}: it cannot be ${PAST[action]} now.`, {
        state: current.state.status,
        allowedActions: allowed,
      });
    }
    const now = deps.clock();
    const next: MatchStatus = {
      ...carried(current.state),
      status: d.next,
      action,
      role,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.note ? { note: input.note } : {}),
      ...(input.cause ? { cause: input.cause } : {}),
      ...(input.leftBy ? { leftBy: input.leftBy } : {}),
      ...(d.next === 'awaiting-sponsor' ? { sponsorAsked: true } : {}),
      ...(d.next === 'active' && !current.state.activeSince ? { activeSince: now } : {}),
      ...(action === 'term-end' ? { atTerm: true } : {}),
    };
    // A place is taken before the step that needs it, and given back if the step loses.
    const needsPlace = holdsPlace(d.next) && !holdsPlace(current.state.status);
    if (needsPlace) await takePlace(deps, match.sponsorId, { matchId, requestId: match.requestId }, by);
    try {
      return await deps.repo.appendStatus(matchId, current.n, next, by, now);
    } catch (err) {
      // The place goes back only if the version that won does not hold it (two approvals at once share one place).
      if (needsPlace) {
        const latest = await deps.repo.status(matchId);
        if (!latest || !holdsPlace(latest.state.status)) await releasePlace(deps, match.sponsorId, matchId, by);
      }
      // A lost race is read again (a person's step is then refused: it was decided on a state that is gone).
      throw err;
    }
  });
  await settleOrLeave(deps, matchId);
  return v;
}

/** The state a new version starts from: what lasts of the match, without the last step's own reason, note, cause and flag. */
function carried(s: MatchStatus): MatchStatus {
  const { reason: _reason, note: _note, cause: _cause, leftBy: _leftBy, flag: _flag, flagFor: _flagFor, ...kept } = s;
  return kept;
}

/** After a step is made: its effects; what fails of them now the reconciler finishes (settled < n), and the step stands. */
async function settleOrLeave(deps: CoreDeps, matchId: string): Promise<void> {
  await settle(deps, matchId).catch((err: unknown) =>
    deps.log.warn({ matchId, errName: (err as Error)?.name, errSlug: (err as AppError)?.slug }, 'match step made; its effects are left to the reconciler'),
  );
}

const PAST: Record<MatchAction, string> = {
  approve: 'approved',
  reject: 'rejected',
  accept: 'accepted',
  decline: 'declined',
  pause: 'paused',
  resume: 'resumed',
  end: 'ended',
  block: 'blocked',
  expire: 'expired',
  withdraw: 'withdrawn',
  'term-end': 'ended at its term',
  leave: 'ended because a member left',
};

/** A step nobody asked for through the match's routes: expiry, a withdrawn request, a term that ran out. */
async function systemStep(
  deps: CoreDeps,
  matchId: string,
  action: MatchAction,
  by: string,
  input: { cause?: MatchStatus['cause']; leftBy?: MatchStatus['leftBy']; onlyIf?: (current: ChainVersion<MatchStatus>) => boolean } = {},
) {
  try {
    return await step(deps, matchId, action, 'system', by, input);
  } catch (err) {
    // Someone answered first (accept against expiry): their step stands.
    if (err instanceof AppError && err.slug === 'illegal-transition') return undefined;
    throw err;
  }
}

/** Both members say yes to go on as an ongoing match; the second yes makes it so. */
export async function makeOngoing(deps: LifecycleDeps, actor: Actor, matchId: string) {
  const written = await untilWritten('This match', async () => {
    const loaded = await load(deps, matchId);
    const party = matchParty(actor, loaded?.match, loaded?.status.state.sponsorAsked ?? false);
    requireMatchMember(party, 'make it ongoing');
    const { status: current } = loaded!;
    if (current.state.kind === 'ongoing') throw conflict('already-ongoing', 'This match is ongoing already.', { state: current.state.status });
    if (!isIntroduced(current.state.status)) {
      throw conflict('illegal-transition', `This match is ${current.state.status}: only an active or paused match can become ongoing.`, { state: current.state.status, allowedActions: actionsFor(current.state.status, party) });
    }
    // Saying yes again (a double click) changes nothing and asks the other member only once.
    if (current.state.ongoingYes?.includes(party)) return undefined;
    const yes = [...new Set([...(current.state.ongoingYes ?? []), party])];
    const both = yes.includes('newcomer') && yes.includes('sponsor');
    const next: MatchStatus = { ...carried(current.state), action: 'make-ongoing', role: party, kind: both ? 'ongoing' : 'temporary', ongoingYes: both ? [] : yes };
    return deps.repo.appendStatus(matchId, current.n, next, actor.id, deps.clock());
  });
  if (written) await settleOrLeave(deps, matchId);
  return getMatch(deps, actor, matchId);
}

// ---- effects: what follows from a version, made at most once each ----

/**
 * Everything that follows from the match's versions since the last settling,
 * each idempotent, so that settling again (the reconciler, after a crash) is
 * harmless: the sponsor's place given back when the match no longer holds one;
 * the request reopened (a terminal match) or closed (an active one); and each
 * version's emails, keyed by the version.
 */
export async function settle(deps: CoreDeps, matchId: string): Promise<void> {
  const loaded = await load(deps, matchId);
  if (!loaded) return;
  const { match, status: latest } = loaded;
  await deps.repo.setHint(matchId, { n: latest.n, state: latest.state.status, at: latest.at });
  if (!holdsPlace(latest.state.status)) await releasePlace(deps, match.sponsorId, matchId, 'system');
  await settleRequest(deps, match, latest.state);
  const mark = pairMark(latest.state);
  if (mark) await recordPairEvent(deps.repo, match.newcomerId, { other: match.sponsorId, kind: mark, at: latest.at, key: matchId });
  const history = await deps.repo.statusHistory(matchId);
  for (const v of history) if (v.n > match.settled) await mailsFor(deps, match, v, history);
  await deps.repo.setSettled(matchId, latest.n);
}

/** What a match leaves in the newcomer's history with the sponsor: declined, rejected and expired for a while, ended for good; a withdrawn match or a temporary one that ran to its term, nothing. */
function pairMark(s: MatchStatus): PairEventRecord['kind'] | undefined {
  if (s.status === 'rejected' || s.status === 'declined' || s.status === 'expired') return s.status;
  if (s.status === 'ended' && !s.atTerm && s.cause !== 'member-left') return 'ended';
  return undefined;
}

async function settleRequest(deps: CoreDeps, match: MatchDoc, state: MatchStatus) {
  // A match that was ever active closed its request, even if its own settling never ran before it ended.
  const closing = state.status === 'active' || state.status === 'paused' || (isTerminal(state.status) && state.activeSince !== undefined);
  const reopening = isTerminal(state.status) && !closing;
  if (!closing && !reopening) return;
  const v = await changeRequest(deps, match.requestId, 'system', (current) => {
    if (current?.state.match?.matchId !== match._id || current.state.status !== 'open') return undefined;
    // An active match closes its request; a match that ends before it reopens it, unless the newcomer withdrew it.
    return closing ? { status: 'closed', match: current.state.match, change: 'closed' } : { status: 'open', change: 'reopened' };
  });
  // The claim goes with the request's openness (only this request's claim: releaseClaim checks).
  const after = v ?? (await deps.repo.requestState(match.requestId));
  if (after && after.state.status !== 'open') await deps.repo.releaseClaim(match.newcomerId, match.requestId);
}

type Recipient = { id: string } | { coordinatorsOf: string };

async function mail<N extends TemplateName>(deps: CoreDeps, event: string, to: Recipient, template: N, data: (displayName: string) => TemplateData[N]) {
  const users = 'id' in to ? [await deps.users.findById(to.id)] : await deps.users.coordinatorsOf(to.coordinatorsOf);
  for (const u of users) {
    if (!u || !isVerified(u)) continue; // nothing but the verification email goes to an unconfirmed address
    await deps.outbox.enqueue({ event, recipientId: u._id, to: u.email, template, data: data(u.displayName) });
  }
}

/** What a member chose to share at introduction (profile `contact`; the account email by default), as fields and as the lines of an email. */
async function contactBlock(
  deps: CoreDeps,
  userId: string,
  role: 'newcomer' | 'sponsor',
): Promise<{ name: string; lines: string[]; fields: { email?: string; phone?: string; note?: string } }> {
  const [user, contact, profile] = await Promise.all([
    deps.users.findById(userId),
    deps.profiles.contactOf(userId, role),
    role === 'newcomer' ? deps.profiles.getNewcomer(userId) : deps.profiles.getSponsor(userId),
  ]);
  const c = contact ?? { email: true };
  const fields = { ...(c.email && user ? { email: user.email } : {}), ...(c.phone ? { phone: c.phone } : {}), ...(c.note ? { note: c.note } : {}) };
  const lines: string[] = [];
  if (fields.email) lines.push(`Email: ${fields.email}`);
  if (fields.phone) lines.push(`Phone: ${fields.phone}`);
  if (fields.note) lines.push(`A note from them: ${fields.note}`);
  return { name: profile?.displayName ?? user?.displayName ?? 'your match', lines, fields };
}

async function mailsFor(deps: CoreDeps, m: MatchDoc, v: ChainVersion<MatchStatus>, history: readonly ChainVersion<MatchStatus>[]) {
  const event = `match:${m._id}:${v.n}`;
  const s = v.state;
  const prev = history.find((h) => h.n === v.n - 1)?.state;
  const coordinators = { coordinatorsOf: m.newcomerProgram };
  const name = (displayName: string) => ({ displayName });
  // Someone is asked to act.
  if (s.status === 'pending-approval' && s.action === 'create') await mail(deps, event, coordinators, 'match-chosen', name);
  if (s.status === 'awaiting-sponsor' && prev?.status !== 'awaiting-sponsor') await mail(deps, event, { id: m.sponsorId }, 'match-asked', name);
  if (s.status === 'awaiting-newcomer' && s.action === 'accept') await mail(deps, event, { id: m.newcomerId }, 'match-sponsor-accepted', name);
  if (s.status === 'active' && s.action === 'accept') {
    for (const [me, other, otherRole] of [
      [m.newcomerId, m.sponsorId, 'sponsor'],
      [m.sponsorId, m.newcomerId, 'newcomer'],
    ] as const) {
      const c = await contactBlock(deps, other, otherRole);
      const contact = c.lines.length > 0 ? c.lines.join('\n') : `${c.name} has not shared contact details yet: you can write to them through a coordinator.`;
      await mail(deps, event, { id: me }, 'match-introduction', (displayName) => ({ displayName, otherName: c.name, contact, crisisLine: deps.crisisLine }));
    }
  }
  if (s.action === 'make-ongoing' && s.kind === 'temporary') {
    const other = s.role === 'newcomer' ? m.sponsorId : m.newcomerId;
    await mail(deps, event, { id: other }, 'match-ongoing-asked', name);
  }
  if (s.action === 'flag') await mail(deps, event, coordinators, 'match-flagged', name);
  if (!isTerminal(s.status) || (prev && isTerminal(prev.status))) return;
  // The match has just ended, one way or another.
  if (s.status === 'expired') {
    await mail(deps, event, coordinators, 'match-expired', name);
    // Whoever was waiting for the other's answer hears too: the newcomer that their request is open again, a sponsor the neutral notice.
    if (prev?.status === 'awaiting-sponsor') await mail(deps, event, { id: m.newcomerId }, 'match-withdrawn-newcomer', name);
    if (prev?.status === 'awaiting-newcomer') await mail(deps, event, { id: m.sponsorId }, 'match-closed', name);
    return;
  }
  if (s.cause === 'sponsor-no-longer-qualifies') {
    await mail(deps, event, { id: m.newcomerId }, 'match-withdrawn-newcomer', name);
    if (s.sponsorAsked) await mail(deps, event, { id: m.sponsorId }, 'match-withdrawn-sponsor', name);
    return;
  }
  if (s.cause === 'member-left') {
    // The one who stayed hears the neutral notice (nothing says why); a newcomer whose match was still being arranged, that their request is open again.
    const stayed = s.leftBy === 'newcomer' ? 'sponsor' : 'newcomer';
    if (stayed === 'sponsor' && s.sponsorAsked) await mail(deps, event, { id: m.sponsorId }, 'match-closed', name);
    if (stayed === 'newcomer') await mail(deps, event, { id: m.newcomerId }, s.activeSince ? 'match-closed' : 'match-withdrawn-newcomer', name);
    return;
  }
  // Everyone else who knew of the match gets the same neutral notice, never the reason.
  const told = new Set<string>();
  if (s.role !== 'newcomer' && s.cause !== 'request-withdrawn') told.add(m.newcomerId);
  if (s.role !== 'sponsor' && s.sponsorAsked) told.add(m.sponsorId);
  for (const id of told) await mail(deps, event, { id }, 'match-closed', name);
}

// ---- what each person reads ----

function sinceOf(program: StoredProgram | undefined, p: { recoveryDate?: string | undefined; programSince?: string | undefined }) {
  return program?.timeCountedAs === 'program' ? p.programSince : p.recoveryDate;
}

async function cards(deps: LifecycleDeps, m: MatchDoc) {
  return matchCards({ profiles: deps.profiles, programs: deps.engine.programs(), now: deps.clock().getTime() }, m);
}

/**
 * The two members of a match as each is shown to the other: a card (chosen
 * name, program, months or years, languages), never a date or a contact. What
 * members read of a match, and what a member's export holds of the other.
 * null for a member whose profile is gone (withdrawn or erased).
 */
export async function matchCards(
  deps: { profiles: Pick<ProfilesRepository, 'getNewcomer' | 'getSponsor'>; programs: ReadonlyMap<string, StoredProgram>; now: number },
  m: Pick<MatchDoc, 'newcomerId' | 'sponsorId'>,
) {
  const { programs, now } = deps;
  const [newcomer, sponsor] = await Promise.all([deps.profiles.getNewcomer(m.newcomerId), deps.profiles.getSponsor(m.sponsorId)]);
  const programName = (key: string) => programs.get(key)?.name ?? key;
  const newcomerCard = newcomer
    ? {
        displayName: newcomer.displayName,
        program: newcomer.program,
        programName: programName(newcomer.program),
        // Months, never a date: enough to decide, not enough to find someone.
        monthsOfRecovery: recoveryMonths(sinceOf(programs.get(newcomer.program), newcomer), newcomer.timezone, now),
        languages: [...newcomer.languages],
        contactModes: [...newcomer.contactModes],
      }
    : null;
  const sponsorCard = sponsor
    ? {
        displayName: sponsor.displayName,
        program: sponsor.program,
        programName: programName(sponsor.program),
        roleWord: programs.get(sponsor.program)?.roleWord ?? 'sponsor',
        yearsOfRecovery: recoveryYears(sinceOf(programs.get(sponsor.program), sponsor), sponsor.timezone, now),
        languages: [...sponsor.languages],
        contactModes: [...sponsor.contactModes],
      }
    : null;
  return { newcomerCard, sponsorCard };
}

const visibleActions = (state: MatchState, party: MatchParty, kind: RequestKind): string[] => {
  if (party === 'reader') return [];
  const table = actionsFor(state, party).filter((a) => (MEMBER_ACTIONS as readonly string[]).includes(a));
  const extra: string[] = [];
  if (party !== 'coordinator' && !isTerminal(state)) extra.push('block');
  if (party !== 'coordinator' && kind === 'temporary' && isIntroduced(state)) extra.push('make-ongoing');
  return [...table, ...extra];
};

async function matchView(deps: LifecycleDeps, party: MatchParty, m: MatchDoc, status: ChainVersion<MatchStatus>, history?: readonly ChainVersion<MatchStatus>[]) {
  const s = status.state;
  const { newcomerCard, sponsorCard } = await cards(deps, m);
  const base = {
    id: m._id,
    state: s.status,
    kind: s.kind,
    you: party === 'reader' ? 'coordinator' : party,
    createdAt: iso(m.createdAt)!,
    updatedAt: iso(status.at)!,
    allowedActions: visibleActions(s.status, party, s.kind),
    ...(s.status === 'active' || s.status === 'paused' ? { activeSince: iso(s.activeSince) } : {}),
    ...(s.kind === 'temporary' && s.activeSince ? { endsAt: iso(new Date(new Date(s.activeSince).getTime() + deps.temporaryMatchDays * DAY_MS)) } : {}),
    ...(s.ongoingYes && s.ongoingYes.length > 0 ? { ongoingAskedBy: s.ongoingYes } : {}),
  };
  if (party === 'coordinator' || party === 'reader') {
    const h = history ?? (await deps.repo.statusHistory(m._id));
    return {
      ...base,
      requestId: m.requestId,
      origin: m.origin,
      newcomer: { userId: m.newcomerId, ...newcomerCard },
      sponsor: { userId: m.sponsorId, ...sponsorCard },
      ...(h.some((v) => v.state.flag) && !isTerminal(s.status) ? { flags: [...new Set(h.flatMap((v) => (v.state.flag ? [v.state.flag] : [])))] } : {}),
      history: h.map((v) => ({
        n: v.n,
        state: v.state.status,
        action: v.state.action,
        role: v.state.role,
        by: v.by,
        at: iso(v.at)!,
        ...(v.state.reason ? { reason: v.state.reason } : {}),
        ...(v.state.note ? { note: v.state.note } : {}),
        ...(v.state.cause ? { cause: v.state.cause } : {}),
        ...(v.state.flag ? { flag: v.state.flag } : {}),
      })),
    };
  }
  // A member: the other's card; their contact only once introduced; never a reason or a score.
  const introduced = isIntroduced(s.status);
  const otherRole = party === 'newcomer' ? 'sponsor' : 'newcomer';
  const otherId = party === 'newcomer' ? m.sponsorId : m.newcomerId;
  const otherCard = party === 'newcomer' ? sponsorCard : newcomerCard;
  const contact = introduced ? await contactBlock(deps, otherId, otherRole) : undefined;
  const endedNotice = isTerminal(s.status) && s.role !== party ? 'This match has ended. You can ask for a new sponsor at any time.' : undefined;
  return {
    ...base,
    ...(party === 'newcomer' ? { sponsor: { handle: deps.handles.handleFor(m.newcomerId, m.sponsorId), ...otherCard } } : { newcomer: otherCard }),
    ...(contact ? { contact: { lines: contact.lines, ...contact.fields } } : {}),
    ...(endedNotice ? { notice: endedNotice } : {}),
  };
}

export async function getMatch(deps: LifecycleDeps, actor: Actor, matchId: string) {
  const loaded = await load(deps, matchId);
  const party = matchParty(actor, loaded?.match, loaded?.status.state.sponsorAsked ?? false);
  return matchView(deps, party, loaded!.match, loaded!.status);
}

/** Whose data a match view holds (for the audit log of coordinators' reads). */
export function matchSubjects(body: unknown): string[] {
  const view = body as { newcomer?: { userId?: unknown } | null; sponsor?: { userId?: unknown } | null } | null;
  return [view?.newcomer?.userId, view?.sponsor?.userId].filter((x): x is string => typeof x === 'string');
}

export async function listMatches(deps: LifecycleDeps, actor: Actor, query: { state?: MatchState; program?: string; limit?: number }) {
  let docs: MatchDoc[];
  if (readsAsCoordinator(actor)) {
    const scope = coordinatorProgramScope(actor, query.program);
    const mine = [...(await deps.repo.matchesOf('newcomerId', actor.id)), ...(await deps.repo.matchesOf('sponsorId', actor.id))];
    const ids = new Set(mine.map((d) => d._id));
    docs = [...mine, ...(await deps.repo.matchesInPrograms(scope)).filter((d) => !ids.has(d._id))];
  } else {
    docs = [...(await deps.repo.matchesOf('newcomerId', actor.id)), ...(await deps.repo.matchesOf('sponsorId', actor.id))];
  }
  const out = [];
  for (const d of docs) {
    const loaded = await load(deps, d._id);
    if (!loaded) continue;
    let party: MatchParty;
    try {
      party = matchParty(actor, loaded.match, loaded.status.state.sponsorAsked);
    } catch {
      continue; // a sponsor not asked yet does not see it
    }
    if (query.state && loaded.status.state.status !== query.state) continue;
    out.push(await matchView(deps, party, loaded.match, loaded.status));
  }
  out.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  return { matches: out.slice(0, query.limit ?? 50) };
}

// ---- the coordinators' queue ----

export async function queue(deps: LifecycleDeps, actor: Actor, program?: string) {
  const scope = coordinatorProgramScope(actor, program);
  const inScope = (p: string) => scope === 'all' || scope.includes(p);
  const now = deps.clock().getTime();
  // The matches of these programs, read once and grouped by newcomer (not one scan per request).
  const matchesByNewcomer = new Map<string, MatchDoc[]>();
  for (const m of await deps.repo.matchesInPrograms(scope)) matchesByNewcomer.set(m.newcomerId, [...(matchesByNewcomer.get(m.newcomerId) ?? []), m]);
  const rows = [];
  for (const claim of await deps.repo.allOpenClaims()) {
    const request = await deps.repo.request(claim.requestId);
    if (!request) continue;
    // Whose queue: the newcomer's program now (they may have moved since they asked).
    const newcomer = await deps.engine.newcomer(request.userId);
    if (!newcomer || !inScope(newcomer.program)) continue;
    const v = await deps.repo.requestState(request._id);
    if ((v?.state.status ?? 'open') !== 'open') continue;
    const live = await liveLinked(deps, v?.state);
    // Waiting since it was opened, or reopened.
    const since = new Date(v?.state.change === 'reopened' ? v.at : request.createdAt).getTime();
    const proposals = await getProposals(deps.matching, actor, request.userId, { limit: 3 }).catch((err: unknown) => {
      if (err instanceof AppError && (err.kind === 'not-found' || err.kind === 'forbidden')) return undefined;
      throw err;
    });
    let recentlyEnded = false;
    for (const m of matchesByNewcomer.get(request.userId) ?? []) {
      if (m.state !== 'ended') continue; // the hint: an ended match is final, and the hint follows it within one settling
      const s = await deps.repo.status(m._id);
      if (s?.state.status === 'ended' && now - new Date(s.at).getTime() < RECENTLY_ENDED_MS) recentlyEnded = true;
    }
    const liveStatus = live ? await deps.repo.status(live.id) : undefined;
    const flags: string[] = [];
    const top = (proposals && 'proposals' in proposals ? proposals.proposals : undefined) ?? [];
    if (!live && top.length === 0) flags.push('no-eligible-sponsor');
    if (now - since > WAITING_FLAG_MS) flags.push('waiting-over-48h');
    if (live?.status === 'pending-approval' && liveStatus && now - new Date(liveStatus.at).getTime() > WAITING_FLAG_MS) flags.push('pending-approval-over-48h');
    if (recentlyEnded) flags.push('match-ended-recently');
    rows.push({
      requestId: request._id,
      newcomerId: request.userId,
      newcomerName: proposals && 'newcomerName' in proposals ? (proposals.newcomerName ?? null) : null,
      program: newcomer.program,
      kind: request.kind,
      ...(request.note !== undefined ? { note: request.note } : {}),
      openedAt: new Date(since).toISOString(),
      waitingHours: Math.floor((now - since) / HOUR_MS),
      ...(live ? { match: { id: live.id, state: live.status } } : {}),
      proposals: top.slice(0, 3),
      flags,
    });
  }
  rows.sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0));
  return { requests: rows };
}

// ---- concerns ----

export async function reportConcern(deps: LifecycleDeps, actor: Actor, matchId: string, text: string) {
  const loaded = await load(deps, matchId);
  const party = matchParty(actor, loaded?.match, loaded?.status.state.sponsorAsked ?? false);
  requireMatchMember(party, 'report a concern about it (coordinators see concerns in their list)');
  const id = randomUUID();
  await deps.repo.insertConcern({ _id: id, matchId, program: loaded!.match.newcomerProgram, by: actor.id, role: party, text: text.trim(), at: deps.clock() });
  await mail(deps, `concern:${id}`, { coordinatorsOf: loaded!.match.newcomerProgram }, 'concern-raised', (displayName) => ({ displayName }));
  return { id, receivedAt: deps.clock().toISOString(), message: 'Thank you for telling us. A coordinator will look at this; the other member is not told.' };
}

export async function listConcerns(deps: LifecycleDeps, actor: Actor, query: { program?: string; open?: boolean }) {
  const scope = coordinatorProgramScope(actor, query.program);
  const docs = (await deps.repo.concernsIn(scope)).filter((c) => query.open === undefined || (query.open ? !c.ack : Boolean(c.ack)));
  return {
    concerns: docs.map((c) => ({
      id: c._id,
      matchId: c.matchId,
      program: c.program,
      reportedBy: c.by,
      role: c.role,
      text: c.text,
      at: iso(c.at)!,
      ...(c.ack ? { acknowledged: { by: c.ack.by, at: iso(c.ack.at)! } } : {}),
    })),
  };
}

export async function ackConcern(deps: LifecycleDeps, actor: Actor, id: string) {
  const c = await deps.repo.concern(id);
  if (!c) throw notFound('concern');
  coordinatorProgramScope(actor, c.program);
  await deps.repo.ackConcern(id, actor.id, deps.clock());
  const after = (await deps.repo.concern(id))!;
  return { id, acknowledged: { by: after.ack!.by, at: iso(after.ack!.at)! }, reportedBy: c.by };
}

// ---- jobs ----

/** Expiry of unanswered steps and the term of temporary matches: one pass over the live matches. */
export async function expireDue(deps: CoreDeps): Promise<{ expired: number; termEnded: number }> {
  const now = deps.clock().getTime();
  let expired = 0;
  let termEnded = 0;
  for (const m of await deps.repo.liveByHint()) {
    const s = await deps.repo.status(m._id);
    if (!s) continue;
    // Each checked again on the version the step would follow: an answer that came meanwhile starts a new wait.
    const unanswered = (v: ChainVersion<MatchStatus>) => AWAITING_STATES.has(v.state.status) && now - new Date(v.at).getTime() >= deps.responseHours * HOUR_MS;
    const termOver = (v: ChainVersion<MatchStatus>) =>
      v.state.kind === 'temporary' && v.state.activeSince !== undefined && isIntroduced(v.state.status) && now - new Date(v.state.activeSince).getTime() >= deps.temporaryMatchDays * DAY_MS;
    if (unanswered(s)) {
      if (await systemStep(deps, m._id, 'expire', 'system', { onlyIf: (v) => v.n === s.n || unanswered(v) })) expired += 1;
    } else if (termOver(s)) {
      if (await systemStep(deps, m._id, 'term-end', 'system', { onlyIf: termOver })) termEnded += 1;
    } else if (m.n < s.n || m.settled < s.n) {
      await settle(deps, m._id);
    }
  }
  return { expired, termEnded };
}

/**
 * What a crash can leave half done, made whole: a place held by a match that
 * was never written (released), or that no longer holds one (released); a
 * match linked to its request but never written (written); versions whose
 * effects were not all made (settled); a request still pointing at a match
 * that has ended (reopened).
 */
export async function reconcile(deps: CoreDeps): Promise<{ released: number; settled: number }> {
  const now = deps.clock().getTime();
  let released = 0;
  let settled = 0;
  for (const summary of await deps.repo.placesSummaries()) {
    const v = await deps.repo.places(summary._id);
    if (v && (summary.n < v.n || summary.used !== v.state.holders.length)) await deps.repo.setPlacesSummary(summary._id, v.n, v.state.holders.length);
    for (const h of v?.state.holders ?? []) {
      if (now - new Date(h.at).getTime() < RECONCILE_GRACE_MS) continue;
      let status = await deps.repo.status(h.matchId);
      if (!status) {
        // Never written: live if its request links it (then written now), else a crash before the link.
        const seed = (await deps.repo.requestState(h.requestId))?.state.match;
        if (seed?.matchId === h.matchId) status = await statusWriting(deps, seed);
      }
      if (!status || !holdsPlace(status.state.status)) {
        await releasePlace(deps, summary._id, h.matchId, 'system');
        released += 1;
      }
    }
  }
  for (const m of await deps.repo.unsettled()) {
    await settle(deps, m._id);
    settled += 1;
  }
  for (const m of await deps.repo.liveByHint()) {
    const s = await deps.repo.status(m._id);
    if (s && s.n > m.n) {
      await settle(deps, m._id);
      settled += 1;
    }
    // A request withdrawn while its match moved on (or a crash between the two): the match not yet active goes too.
    if (s && !isTerminal(s.state.status) && !isIntroduced(s.state.status) && (await deps.repo.requestState(m.requestId))?.state.status === 'withdrawn') {
      if (await systemStep(deps, m._id, 'withdraw', 'system', { cause: 'request-withdrawn' })) settled += 1;
    }
  }
  for (const claim of await deps.repo.allOpenClaims()) {
    const req = await deps.repo.requestState(claim.requestId);
    const seed = req?.state.match;
    if (!seed) continue;
    const written = await deps.repo.status(seed.matchId);
    const s = written ?? (await statusWriting(deps, seed));
    if (!written || (s && (isTerminal(s.state.status) || isIntroduced(s.state.status)))) {
      await settle(deps, seed.matchId);
      settled += 1;
    }
  }
  return { released, settled };
}

// ---- a sponsor whose recovery date moved ----

/**
 * After a sponsor's profile is saved: if their counted date moved later and
 * they no longer meet their program's minimum, the matches not yet active are
 * withdrawn (kind words to both), and the active ones are flagged to the
 * coordinators for a conversation, never ended automatically.
 */
export async function sponsorSaved(deps: LifecycleDeps, _before: StoredSponsor | undefined, after: StoredSponsor, by: string): Promise<void> {
  // Decided from the profile as it is now, not from the change: a save that failed halfway is made whole by the next one.
  const program = deps.engine.programs().get(after.program);
  const since = sinceOf(program, after);
  const min = program?.minRecoveryDays ?? 0;
  if (!since || recoveryDays(since, after.timezone, deps.clock().getTime()) >= min) return;
  for (const m of await deps.repo.matchesOf('sponsorId', after._id)) {
    const s = await deps.repo.status(m._id);
    if (!s || isTerminal(s.state.status)) continue;
    if (!isIntroduced(s.state.status)) {
      await systemStep(deps, m._id, 'withdraw', by, { cause: 'sponsor-no-longer-qualifies' });
      continue;
    }
    // Flagged once for this date: saving the profile again does not flag (or mail) again.
    if ((await deps.repo.statusHistory(m._id)).some((v) => v.state.action === 'flag' && v.state.flagFor === since)) continue;
    const flagged = await untilWritten('This match', async () => {
      const cur = await deps.repo.status(m._id);
      if (!cur || !isIntroduced(cur.state.status)) return undefined;
      const next: MatchStatus = { ...carried(cur.state), action: 'flag', role: 'system', flag: 'sponsor-recovery-changed', flagFor: since };
      return deps.repo.appendStatus(m._id, cur.n, next, by, deps.clock());
    });
    if (flagged) await settleOrLeave(deps, m._id);
  }
}

export function logJobResult(log: Logger, job: string, result: Record<string, number>) {
  if (Object.values(result).some((n) => n > 0)) log.info({ job, ...result }, 'match lifecycle job');
}
