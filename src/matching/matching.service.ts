import { randomUUID } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import {
  newcomerAccess,
  proposalLimit,
  requireExplainAccess,
  requireProgramCoordinator,
  requireRunAccess,
  requireSponsorInNewcomerPrograms,
  runScope,
} from '../access/policy.ts';
import { notFound } from '../errors.ts';
import { mapInSlices } from '../lib/slices.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import type { ProgramsRepository, StoredProgram } from '../programs/programs.repository.ts';
import type { AssignMode } from './assign.ts';
import { assignOffLoop } from './assign-off-loop.ts';
import type { MatchHistorySource } from './match-history.source.ts';
import { toNewcomerProfile, type MatchingEngine } from './matching-engine.ts';
import { newcomerSafeReasons } from './reasons.ts';
import { recoveryYears } from './recovery.ts';
import type { RunDoc, RunsRepository } from './runs.repository.ts';
import { HANDLE_PATTERN, type SponsorHandles } from './sponsor-handles.ts';
import { count, ruleText, text, TEXTS } from './texts.ts';
import type { VettingRepository } from '../vetting/vetting.repository.ts';
import { requiresSponsorVetting, vettingStatusOf } from '../vetting/vetting-rules.ts';
import { RULES, type MatchingWeights, type NewcomerProfile, type Reason, type RuleName } from './types.ts';

export interface MatchingDeps {
  engine: MatchingEngine;
  profiles: ProfilesRepository;
  history: MatchHistorySource;
  runs: RunsRepository;
  programs: ProgramsRepository;
  /** The names sponsors go by on a newcomer's cards. */
  handles: SponsorHandles;
  clock: () => Date;
  /** Where someone in crisis can turn now (config CRISIS_LINE), in every empty result and mental-health note. */
  crisisLine: string;
  /** Vetting decisions: why a coordinator's "explain" finds a sponsor outside the index. */
  vetting: Pick<VettingRepository, 'current'>;
  /** Who a pool run takes: the newcomers with an open request and no match being arranged (wired by the composition root: the lifecycle sits above matching). Without it, every seeking newcomer. */
  seekers?: () => Promise<ReadonlySet<string>>;
}

async function newcomerFor(deps: MatchingDeps, actor: Actor, userId: string) {
  const newcomer = await deps.engine.newcomer(userId);
  const access = newcomerAccess(actor, newcomer);
  return { newcomer: newcomer!, access, asCoordinator: access === 'coordinator' };
}

/** A coordinator's reason: the factor, its points and the plain words (not the newcomer's wording). */
const coordinatorReasons = (reasons: readonly Reason[]) => reasons.map(({ factor, contribution, text }) => ({ factor, contribution, text }));

/** Whether a gender rule that fails is the newcomer's own stated wish (else it is the program's). */
function genderPreferenceStated(newcomer: Pick<NewcomerProfile, 'sponsorGenderPreference'>): boolean {
  const pref = newcomer.sponsorGenderPreference;
  return pref !== undefined && pref !== 'any' && pref.length > 0;
}

function excludedSummary(excluded: Record<RuleName, number>, newcomer: Pick<NewcomerProfile, 'sponsorGenderPreference'>) {
  const opts = { genderPreferenceStated: genderPreferenceStated(newcomer) };
  return RULES.filter((r) => excluded[r] > 0).map((rule) => ({ rule, count: excluded[rule], text: ruleText(rule, opts) }));
}

/**
 * Programs with pairing `none` pair no one (there are no sponsors in SMART
 * Recovery, by its own FAQ): their sponsors keep their profiles, since a
 * deployment may switch pairing on, but are never proposed. The matching core
 * only meets a newcomer whose own program pairs, and whose accepted programs
 * are narrowed to those that pair.
 */
function hasPairing(programs: ReadonlyMap<string, StoredProgram>, key: string): boolean {
  return programs.get(key)?.pairing !== 'none';
}

function withPairingPrograms<N extends { acceptedPrograms: readonly string[] }>(programs: ReadonlyMap<string, StoredProgram>, newcomer: N): N {
  return { ...newcomer, acceptedPrograms: newcomer.acceptedPrograms.filter((p) => hasPairing(programs, p)) };
}

/** What a newcomer in a program without pairing reads instead of cards: kind words, and what the program offers. */
function unavailableIn(program: StoredProgram) {
  return {
    reason: text('unavailable.reason', { program: program.name }),
    offers: program.offers ?? text('unavailable.offers', { program: program.name }),
  };
}

// Rules grouped by what a newcomer may be told about them: kinds of reasons, never one sponsor's.
const LANGUAGE_RULES: readonly RuleName[] = ['no-shared-language', 'sponsor-languages-limit'];
const FULL_RULES: readonly RuleName[] = ['not-accepting', 'at-capacity'];
const PROGRAM_ASKS_RULES: readonly RuleName[] = ['below-program-minimum', 'not-more-recovery-than-newcomer', 'no-own-sponsor', 'too-few-steps'];
// Not about the sponsors of this newcomer's programs: the newcomer themself, and everyone elsewhere.
const OUTSIDE_RULES: readonly RuleName[] = ['same-person', 'program-not-accepted', 'unknown-program'];

/**
 * Why a newcomer has no proposals, in kind words: a kind of reason, and only
 * when it holds for every sponsor of their programs (one that holds for some
 * would mislead), never anything about one sponsor; what they can do now; and
 * the crisis line.
 */
function emptyResult(program: StoredProgram | undefined, fallbackName: string, excluded: Record<RuleName, number>, crisisLine: string) {
  const sum = (rules: readonly RuleName[]) => rules.reduce((n, r) => n + (excluded[r] ?? 0), 0);
  const total = (Object.keys(excluded) as RuleName[]).filter((r) => !OUTSIDE_RULES.includes(r)).reduce((n, r) => n + excluded[r], 0);
  const key =
    total === 0
      ? 'empty.noneInProgram'
      : sum(LANGUAGE_RULES) === total
        ? 'empty.language'
        : sum(FULL_RULES) === total
          ? 'empty.full'
          : sum(PROGRAM_ASKS_RULES) === total
            ? 'empty.programAsks'
            : 'empty.notYet';
  const values = { role: program?.roleWord ?? 'sponsor', program: program?.name ?? fallbackName };
  return {
    reason: text(key, values),
    whatYouCanDo: program?.offers ? text('empty.whatYouCanDo.offers', { ...values, offers: program.offers }) : text('empty.whatYouCanDo', values),
    crisisLine: text('crisisLine', { crisisLine }),
  };
}

/** Once per answer, for a newcomer who lists co-occurring mental health: professional help beside peer support. */
function mentalHealthNote(newcomer: Pick<NewcomerProfile, 'experiences'>, crisisLine: string): { mentalHealth?: string } {
  return newcomer.experiences?.includes('co-occurring-mental-health') ? { mentalHealth: text('mentalHealth', { crisisLine }) } : {};
}

export async function getProposals(deps: MatchingDeps, actor: Actor, userId: string, opts: { limit: number; sponsor?: string }) {
  const { newcomer: asStored, access, asCoordinator } = await newcomerFor(deps, actor, userId);
  const query = { now: deps.clock(), history: await deps.history.pairHistory(userId) };
  const programs = deps.engine.programs();
  const own = programs.get(asStored.program);
  const unavailable = own && !hasPairing(programs, own.key) ? unavailableIn(own) : undefined;
  const newcomer = withPairingPrograms(programs, asStored);

  if (opts.sponsor !== undefined) {
    requireExplainAccess(access);
    if (unavailable) {
      requireSponsorInNewcomerPrograms(asStored, deps.engine.sponsor(opts.sponsor));
      return { newcomerId: userId, sponsorId: opts.sponsor, eligible: false, failingRules: [], unavailable };
    }
    const indexed = deps.engine.sponsor(opts.sponsor);
    if (!indexed) {
      // Outside the index: a sponsor their program has not approved yet (or refused) is never proposed; say so.
      const stored = await deps.profiles.getSponsor(opts.sponsor);
      requireSponsorInNewcomerPrograms(newcomer, stored);
      const status = vettingStatusOf(await deps.vetting.current(opts.sponsor), stored!.program);
      if (status === 'approved' || !requiresSponsorVetting(programs.get(stored!.program))) throw notFound('sponsor-profile');
      const rule = `not-vetted-${status}` as const;
      return { newcomerId: userId, sponsorId: opts.sponsor, eligible: false, failingRules: [{ rule, text: text(status === 'refused' ? 'vetting.refused' : 'vetting.pending') }] };
    }
    requireSponsorInNewcomerPrograms(newcomer, indexed);
    const e = deps.engine.explain(newcomer, opts.sponsor, query);
    if (!e) throw notFound('sponsor-profile');
    const rulesOpts = { genderPreferenceStated: genderPreferenceStated(newcomer) };
    return e.eligible
      ? { newcomerId: userId, sponsorId: e.sponsorId, eligible: true, score: e.score, reasons: coordinatorReasons(e.reasons) }
      : { newcomerId: userId, sponsorId: e.sponsorId, eligible: false, failingRules: e.failingRules.map((rule) => ({ rule, text: ruleText(rule, rulesOpts) })) };
  }

  if (unavailable) {
    if (!asCoordinator) return { newcomerId: userId, proposals: [], unavailable, ...mentalHealthNote(asStored, deps.crisisLine) };
    return { newcomerId: userId, newcomerName: newcomer.displayName, proposals: [], eligibleCount: 0, excluded: [], unavailable };
  }

  const result = deps.engine.propose(newcomer, proposalLimit(access, opts.limit), query);
  const proposals = result.top.map(({ sponsor: s, score, reasons }) => {
    const card = {
      displayName: s.displayName,
      program: s.program,
      programName: programs.get(s.program)?.name ?? s.program,
      roleWord: programs.get(s.program)?.roleWord ?? 'sponsor',
      // Whole years by calendar date in the sponsor's zone: the same count as the coordinator's reasons.
      yearsOfRecovery: recoveryYears(countedSince(programs.get(s.program), s), s.timezone, query.now.getTime()),
      languages: [...s.languages],
    };
    // A newcomer sees an anonymised card: never an email, exact date, bio,
    // gender rule, or why someone else was left out; no score (compared across
    // a few profile edits, scores located a sponsor), and a handle instead of
    // the sponsor's id, meaningful only on this newcomer's cards.
    if (!asCoordinator) return { sponsorId: deps.handles.handleFor(userId, s.userId), ...card, reasons: newcomerSafeReasons(reasons) };
    return { sponsorId: s.userId, ...card, score, reasons: coordinatorReasons(reasons) };
  });
  const empty = proposals.length === 0 ? { empty: emptyResult(own, newcomer.program, result.excluded, deps.crisisLine) } : {};
  if (!asCoordinator) return { newcomerId: userId, proposals, ...empty, ...mentalHealthNote(asStored, deps.crisisLine) };
  return {
    newcomerId: userId,
    newcomerName: newcomer.displayName,
    proposals,
    ...empty,
    eligibleCount: result.eligibleCount,
    excluded: excludedSummary(result.excluded, newcomer),
    tieRule: TEXTS.tieRule,
  };
}

/** The date a program counts time from: recovery, or time in the program (Al-Anon). */
function countedSince(program: StoredProgram | undefined, s: { recoveryDate?: string | undefined; programSince?: string | undefined }): string | undefined {
  return program?.timeCountedAs === 'program' ? s.programSince : s.recoveryDate;
}

// How many candidates a search for a forgotten handle hashes before letting other work run.
const HANDLE_SEARCH_SLICE = 2000;

/**
 * The sponsor behind a handle on this newcomer's cards, among the sponsors of
 * the programs they can be matched in; undefined when none is. What this
 * instance handed out is a lookup; a handle from another instance (or from
 * before a restart) is found by hashing the candidates, in slices so that
 * requests go on meanwhile. Whether the pair may be chosen is the caller's
 * question: this only says who is meant.
 */
export async function resolveSponsorHandle(deps: MatchingDeps, newcomerId: string, handle: string): Promise<string | undefined> {
  if (!HANDLE_PATTERN.test(handle)) return undefined;
  const newcomer = await deps.engine.newcomer(newcomerId);
  if (!newcomer) return undefined;
  const programs = new Set([newcomer.program, ...newcomer.acceptedPrograms]);
  const inPrograms = (sponsorId: string) => {
    const s = deps.engine.sponsor(sponsorId);
    return s !== undefined && programs.has(s.program);
  };
  const remembered = deps.handles.recall(newcomerId, handle);
  if (remembered !== undefined && inPrograms(remembered)) return remembered;
  let hashed = 0;
  for (const s of [...deps.engine.index.sponsors()]) {
    if (!programs.has(s.program)) continue;
    if (deps.handles.compute(newcomerId, s.userId) === handle) return inPrograms(s.userId) ? s.userId : undefined;
    if (++hashed % HANDLE_SEARCH_SLICE === 0) await new Promise((r) => setImmediate(r));
  }
  return undefined;
}

// ---- pool runs ----

/** Why a newcomer whom no sponsor passes stays unmatched; undefined when some sponsor passed. */
function noneEligibleReasons(
  excluded: Record<RuleName, number> | undefined,
  newcomer: Pick<NewcomerProfile, 'sponsorGenderPreference'>,
): RunDoc['unmatched'][number]['reasons'] | undefined {
  return excluded && [{ text: TEXTS['unmatched.noneEligible'] }, ...excludedSummary(excluded, newcomer)];
}

/**
 * Why a newcomer with eligible sponsors stays unmatched: which capacity ran out.
 * The assignment is exactly optimal, so every eligible sponsor of an unmatched
 * newcomer is full (a free place would have matched one more newcomer, or
 * raised the total score), except, in score mode, sponsors whose pair scored 0,
 * which that mode never chooses.
 */
function capacityReasons(eligible: number, zeroScore: number): RunDoc['unmatched'][number]['reasons'] {
  const reasons: RunDoc['unmatched'][number]['reasons'] = [];
  const full = eligible - zeroScore;
  if (full === 1) reasons.push({ text: TEXTS['unmatched.oneFull'] });
  if (full > 1) reasons.push({ text: text('unmatched.allFull', { sponsors: count(full, 'unit.eligibleSponsor', 'unit.eligibleSponsors') }) });
  if (zeroScore > 0) reasons.push({ text: text('unmatched.zeroScore', { sponsors: count(zeroScore, 'unit.eligibleSponsor', 'unit.eligibleSponsors') }) });
  return reasons;
}

// Names are resolved when a run is read, never stored in it: a member who
// changes their name (or leaves) is not kept in old runs under the old one.
// `known`: names already in hand (a run just made has read every newcomer in it),
// so that a large run does not read thousands of profiles again all at once.
async function runView(deps: MatchingDeps, r: RunDoc, known: ReadonlyMap<string, string> = new Map()) {
  const names = new Map<string, string | null>(known);
  const missing = [...new Set([...r.pairs, ...r.unmatched].map((p) => p.newcomerId))].filter((id) => !names.has(id));
  // A few at a time: an old run read after a restart names thousands of newcomers the cache has not seen.
  for (let k = 0; k < missing.length; k += 64) {
    const chunk = missing.slice(k, k + 64);
    const found = await Promise.all(chunk.map(async (id) => (await deps.engine.newcomer(id))?.displayName ?? null));
    chunk.forEach((id, n) => names.set(id, found[n] ?? null));
  }
  const sponsorName = (id: string) => deps.engine.sponsor(id)?.displayName ?? null;
  return {
    id: r._id,
    mode: r.mode,
    programs: r.programs,
    createdAt: new Date(r.createdAt).toISOString(),
    pairs: await mapInSlices(r.pairs, (p) => ({ ...p, newcomerName: names.get(p.newcomerId) ?? null, sponsorName: sponsorName(p.sponsorId) })),
    unmatched: await mapInSlices(r.unmatched, (u) => ({ ...u, newcomerName: names.get(u.newcomerId) ?? null })),
  };
}

export async function createRun(deps: MatchingDeps, actor: Actor, input: { program?: string; mode: AssignMode }) {
  const known = deps.engine.programs();
  let programs: string[];
  if (input.program !== undefined) {
    if (!known.has(input.program)) throw notFound('program');
    requireProgramCoordinator(actor, input.program);
    programs = [input.program];
  } else {
    programs = runScope(actor, new Set(known.keys()));
  }
  const inScope = new Set(programs);
  const now = deps.clock();
  // A program without pairing has no one to pair: its newcomers are not in the pool, and its sponsors are in no one's programs.
  const seekers = deps.seekers ? await deps.seekers() : undefined;
  const stored = (await deps.profiles.allNewcomers()).filter(
    (d) => d.seeking !== false && inScope.has(d.program) && hasPairing(known, d.program) && (!seekers || seekers.has(d._id)),
  );
  const newcomers = (await mapInSlices(stored, (d) => withPairingPrograms(known, toNewcomerProfile(d)))).sort((a, b) =>
    a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0,
  );
  const histories = await Promise.all(newcomers.map((n) => deps.history.pairHistory(n.userId)));
  // Ranked on one state of the index and rules, in slices that let requests through (eligible-pairs.ts).
  const pool = await deps.engine.eligiblePairs(newcomers, histories, now);
  // Counted before the solve, which takes the edge columns to its thread: each newcomer's eligible sponsors, and those at a score of 0.
  const eligibleOf = new Int32Array(newcomers.length);
  const zeroScoreOf = new Int32Array(newcomers.length);
  for (let k = 0; k < pool.edges.length; k++) {
    const i = pool.edges.newcomer[k]!;
    eligibleOf[i]!++;
    if (input.mode === 'score' && pool.edges.score[k] === 0) zeroScoreOf[i]!++;
  }
  let pairs: RunDoc['pairs'];
  const matchedSet = new Set<number>();
  try {
    // On a worker thread: the solver does not yield, and takes over a second on a large pool.
    const solved = await assignOffLoop({ newcomers: newcomers.length, capacities: pool.capacities, edges: pool.edges }, input.mode);
    const explained = await pool.explainPairs(solved.pairs);
    pairs = await mapInSlices(solved.pairs, ([i, j], k) => {
      matchedSet.add(i);
      const e = explained[k];
      return {
        newcomerId: newcomers[i]!.userId,
        sponsorId: pool.sponsorIds[j]!,
        score: e?.eligible ? e.score : 0,
        reasons: e?.eligible ? coordinatorReasons(e.reasons) : [],
      };
    });
  } finally {
    pool.release();
  }
  const unmatchedAt = newcomers.flatMap((n, i) => (matchedSet.has(i) ? [] : [i]));
  const unmatched = await mapInSlices(unmatchedAt, (i) => ({
    newcomerId: newcomers[i]!.userId,
    reasons: noneEligibleReasons(pool.noneEligible.get(i), newcomers[i]!) ?? capacityReasons(eligibleOf[i]!, zeroScoreOf[i]!),
  }));
  const run: RunDoc = { _id: randomUUID(), mode: input.mode, programs, createdBy: actor.id, createdAt: now, pairs, unmatched };
  await deps.runs.insert(run);
  return runView(deps, run, new Map(newcomers.map((n) => [n.userId, n.displayName])));
}

export async function getRun(deps: MatchingDeps, actor: Actor, id: string) {
  const run = await deps.runs.get(id);
  if (!run) throw notFound('matching-run');
  requireRunAccess(actor, run);
  return runView(deps, run);
}

// ---- matching weights ----

export async function getWeights(deps: MatchingDeps, actor: Actor, program: string): Promise<MatchingWeights> {
  if (!(await deps.programs.exists(program))) throw notFound('program');
  requireProgramCoordinator(actor, program);
  return deps.engine.weightsFor(program);
}

export async function setWeights(deps: MatchingDeps, actor: Actor, program: string, weights: MatchingWeights): Promise<MatchingWeights> {
  if (!(await deps.programs.exists(program))) throw notFound('program');
  requireProgramCoordinator(actor, program);
  await deps.programs.setWeights(program, weights, deps.clock());
  await deps.engine.programsChanged(actor.id);
  return deps.engine.weightsFor(program);
}
