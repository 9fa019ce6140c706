import { randomUUID } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import { newcomerAccess, requireExplainAccess, requireProgramCoordinator, requireRunAccess, runScope } from '../access/policy.ts';
import { notFound } from '../errors.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import { assign, type AssignMode } from './assign.ts';
import type { MatchHistorySource } from './match-history.source.ts';
import { toNewcomerProfile, type MatchingEngine } from './matching-engine.ts';
import { explain, rank } from './rank.ts';
import { newcomerSafeReasons, ruleText } from './reasons.ts';
import { recoveryDays, wholeYears } from './recovery.ts';
import type { RunDoc, RunsRepository } from './runs.repository.ts';
import { RULES, type MatchingWeights, type Reason, type RuleName } from './types.ts';

export interface MatchingDeps {
  engine: MatchingEngine;
  profiles: ProfilesRepository;
  history: MatchHistorySource;
  runs: RunsRepository;
  programs: ProgramsRepository;
  clock: () => Date;
}


async function newcomerFor(deps: MatchingDeps, actor: Actor, userId: string) {
  const newcomer = await deps.engine.newcomer(userId);
  const access = newcomerAccess(actor, newcomer);
  return { newcomer: newcomer!, asCoordinator: access === 'coordinator' };
}

/** A coordinator's reason: the factor, its points and the plain words (not the newcomer's wording). */
const coordinatorReasons = (reasons: readonly Reason[]) => reasons.map(({ factor, contribution, text }) => ({ factor, contribution, text }));

function excludedSummary(excluded: Record<RuleName, number>) {
  return RULES.filter((r) => excluded[r] > 0).map((rule) => ({ rule, count: excluded[rule], text: ruleText(rule) }));
}

export async function getProposals(deps: MatchingDeps, actor: Actor, userId: string, opts: { limit: number; sponsor?: string }) {
  const { newcomer, asCoordinator } = await newcomerFor(deps, actor, userId);
  const now = deps.clock();
  const ctx = deps.engine.context(now, await deps.history.pairHistory(userId), userId);
  const programs = deps.engine.programs();

  if (opts.sponsor !== undefined) {
    requireExplainAccess(asCoordinator ? 'coordinator' : 'self');
    const e = explain(deps.engine.index, newcomer, opts.sponsor, ctx);
    if (!e) throw notFound('sponsor-profile');
    return e.eligible
      ? { newcomerId: userId, sponsorId: e.sponsorId, eligible: true, score: e.score, reasons: coordinatorReasons(e.reasons) }
      : { newcomerId: userId, sponsorId: e.sponsorId, eligible: false, failingRules: e.failingRules.map((rule) => ({ rule, text: ruleText(rule) })) };
  }

  const result = rank(deps.engine.index, newcomer, ctx, opts.limit);
  const proposals = result.top.map((p) => {
    const s = deps.engine.index.getSponsor(p.sponsorId)!;
    const card = {
      sponsorId: p.sponsorId,
      displayName: s.displayName,
      program: s.program,
      programName: programs.get(s.program)?.name ?? s.program,
      roleWord: programs.get(s.program)?.roleWord ?? 'sponsor',
      yearsOfRecovery: wholeYears(recoveryDays(s.recoveryDate, s.timezone, ctx.now)),
      languages: [...s.languages],
      score: p.score,
    };
    // A newcomer sees an anonymised card: never an email, exact date, bio,
    // gender rule, or why someone else was left out.
    if (!asCoordinator) return { ...card, reasons: newcomerSafeReasons(p.reasons) };
    return { ...card, reasons: coordinatorReasons(p.reasons) };
  });
  if (!asCoordinator) return { newcomerId: userId, proposals };
  return { newcomerId: userId, proposals, eligibleCount: result.eligibleCount, excluded: excludedSummary(result.excluded) };
}

// ---- pool runs ----

function runView(r: RunDoc) {
  return { id: r._id, mode: r.mode, programs: r.programs, createdAt: new Date(r.createdAt).toISOString(), pairs: r.pairs, unmatched: r.unmatched };
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
  const newcomers = (await deps.profiles.allNewcomers())
    .filter((d) => d.seeking !== false && inScope.has(d.program))
    .map(toNewcomerProfile)
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));

  // Pair histories first: the ranking below then runs without an await, on
  // one consistent state of the candidate index.
  const histories = await Promise.all(newcomers.map((n) => deps.history.pairHistory(n.userId)));
  const index = deps.engine.index;
  const sponsorIds: string[] = [];
  const sponsorIndex = new Map<string, number>();
  const edges: Array<[number, number, number]> = [];
  const contexts = newcomers.map((n, i) => deps.engine.context(now, histories[i]!, n.userId));
  const unmatchedReasons = new Map<string, RunDoc['unmatched'][number]['reasons']>();
  for (const [i, n] of newcomers.entries()) {
    // Every eligible sponsor is an edge; reasons are built only for the chosen pairs.
    const result = rank(index, n, contexts[i]!, Math.max(1, index.size), { withReasons: false });
    if (result.top.length === 0) {
      unmatchedReasons.set(n.userId, [{ text: 'No sponsor passes every rule for this newcomer.' }, ...excludedSummary(result.excluded)]);
    }
    for (const p of result.top) {
      let j = sponsorIndex.get(p.sponsorId);
      if (j === undefined) {
        j = sponsorIds.length;
        sponsorIds.push(p.sponsorId);
        sponsorIndex.set(p.sponsorId, j);
      }
      edges.push([i, j, p.score]);
    }
  }
  const capacities = sponsorIds.map((id) => Math.max(0, (index.getSponsor(id)?.capacity ?? 0) - index.usedPlaces(id)));
  const solved = assign({ newcomers: newcomers.length, capacities, edges }, input.mode);
  const matchedSet = new Set<number>();
  const pairs = solved.pairs.map(([i, j]) => {
    matchedSet.add(i);
    const sponsorId = sponsorIds[j]!;
    const e = explain(index, newcomers[i]!, sponsorId, contexts[i]!);
    return {
      newcomerId: newcomers[i]!.userId,
      sponsorId,
      score: e?.eligible ? e.score : 0,
      reasons: e?.eligible ? coordinatorReasons(e.reasons) : [],
    };
  });
  const unmatched = newcomers
    .map((n, i) => ({ n, i }))
    .filter(({ i }) => !matchedSet.has(i))
    .map(({ n }) => ({
      newcomerId: n.userId,
      reasons: unmatchedReasons.get(n.userId) ?? [
        {
          text:
            input.mode === 'score'
              ? 'Leaving this newcomer unmatched gave a higher total score; their eligible sponsors went to others.'
              : "Every eligible sponsor's free places went to other newcomers in this run.",
        },
      ],
    }));
  const run: RunDoc = { _id: randomUUID(), mode: input.mode, programs, createdBy: actor.id, createdAt: now, pairs, unmatched };
  await deps.runs.insert(run);
  return runView(run);
}

export async function getRun(deps: MatchingDeps, actor: Actor, id: string) {
  const run = await deps.runs.get(id);
  if (!run) throw notFound('matching-run');
  requireRunAccess(actor, run);
  return runView(run);
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
