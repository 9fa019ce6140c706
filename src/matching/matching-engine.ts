import type { Logger } from 'pino';
import type { Connection } from 'mongoose';
import type { ChangeEvent, ChangeFeed } from '../db/change-feed.ts';
import { BoundedMap } from '../lib/bounded-map.ts';
import { createProfilesRepository, type StoredNewcomer, type StoredSponsor } from '../profiles/profiles.repository.ts';
import { createProgramsRepository, type StoredProgram } from '../programs/programs.repository.ts';
import { createVettingRepository } from '../vetting/vetting.repository.ts';
import { createUsersRepository } from '../auth/users.repository.ts';
import { isVettedForMatching, requiresSponsorVetting, type VettingDecision } from '../vetting/vetting-rules.ts';
import { byProgram, createCandidateIndex, type CandidateIndex } from './candidate-index.ts';
import { rankEligiblePairs, type EligiblePairs } from './eligible-pairs.ts';
import type { MatchHistorySource } from './match-history.source.ts';
import { explain, rank } from './rank.ts';
import {
  DEFAULT_WEIGHTS,
  FACTORS,
  type Explanation,
  type MatchingContext,
  type MatchingWeights,
  type NewcomerProfile,
  type PairEvent,
  type Reason,
  type RuleName,
  type SponsorProfile,
} from './types.ts';

export function toNewcomerProfile(doc: StoredNewcomer): NewcomerProfile {
  const { _id, updatedAt: _u, ...rest } = doc;
  return { userId: _id, ...rest };
}

export function toSponsorProfile(doc: StoredSponsor): SponsorProfile {
  const { _id, updatedAt: _u, ...rest } = doc;
  return { userId: _id, ...rest };
}

/** What a question about one newcomer's pairs is asked with. */
export interface PairQuery {
  now: Date;
  /** This newcomer's history with each sponsor. */
  history: ReadonlyMap<string, readonly PairEvent[]>;
}

export interface Proposal {
  sponsor: SponsorProfile;
  score: number;
  reasons: Reason[];
}

export interface Proposals {
  /** Score descending; ties by TIE_RULE (fewer places in use, earlier availableSince, then id). */
  top: Proposal[];
  /** Sponsors that passed every rule (before the top-k cut). */
  eligibleCount: number;
  /** Sponsors left out, counted by the first rule they fail. */
  excluded: Record<RuleName, number>;
}

export interface MatchingEngine {
  /** The k best sponsors for a newcomer, with reasons, on the current index, rules and weights. */
  propose(newcomer: NewcomerProfile, k: number, query: PairQuery): Proposals;
  /** One sponsor for one newcomer: score and reasons, or every rule failed; undefined for an unknown sponsor. */
  explain(newcomer: NewcomerProfile, sponsorId: string, query: PairQuery): Explanation | undefined;
  /**
   * Every eligible pair of a pool run (histories[i] is newcomers[i]'s), ranked on
   * one state of the index and the rules, in slices that let requests through.
   * Release the result once its pairs are explained.
   */
  eligiblePairs(newcomers: readonly NewcomerProfile[], histories: ReadonlyArray<ReadonlyMap<string, readonly PairEvent[]>>, now: Date): Promise<EligiblePairs>;
  programs(): ReadonlyMap<string, StoredProgram>;
  weightsFor(program: string): MatchingWeights;
  /** The live index, for tests and tools; the service asks the functions above. */
  readonly index: CandidateIndex;
  /** A context on the live index, for tools that call rank() themselves. */
  context(now: Date, history: ReadonlyMap<string, readonly PairEvent[]>, newcomerId: string): MatchingContext;
  /** Re-reads one sponsor and updates the index here, then tells the other instances. */
  sponsorChanged(userId: string, by: string): Promise<void>;
  /** Re-reads one sponsor's places in use (their places chain) here, then tells the other instances. */
  placesChanged(userId: string, by: string): Promise<void>;
  programsChanged(by: string): Promise<void>;
  /** A newcomer's profile, from memory after the first read (the proposals hot path). */
  newcomer(userId: string): Promise<NewcomerProfile | undefined>;
  /** A sponsor's profile as the index holds it (no database read). */
  sponsor(userId: string): SponsorProfile | undefined;
  newcomerChanged(userId: string, by: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EngineDeps {
  conn: Connection;
  feed: ChangeFeed;
  /** Names this process's position on the feed (heartbeat). */
  instanceId?: string;
  clock: () => Date;
  logger: Logger;
  history: MatchHistorySource;
  pairCooldownDays: number;
  /** The current terms (TERMS_VERSION): a sponsor whose consent is to another version, or who withdrew health-data consent, is not indexed. */
  termsVersion: string;
  /** How often other instances' changes are picked up (ms). */
  feedIntervalMs?: number;
}

/**
 * The in-memory candidate index of all sponsors, built at start and kept up to
 * date: in this process before a change's response is sent, and from other
 * instances through the ordered change feed (within a few seconds).
 */
export async function startMatchingEngine(deps: EngineDeps): Promise<MatchingEngine> {
  const profiles = createProfilesRepository(deps.conn);
  const programsRepo = createProgramsRepository(deps.conn);
  const vetting = createVettingRepository(deps.conn);
  const users = createUsersRepository(deps.conn, deps.feed);
  const { feed } = deps;

  // The feed position is read before the data, so nothing written in between is missed.
  const from = await feed.head();
  let programs = new Map((await programsRepo.list()).map((p) => [p.key, p]));
  let index = createCandidateIndex();
  // A sponsor whose program asks for vetting and who is not approved for it is
  // kept out of the index: never proposed, never in a pool run.
  const isVetted = (doc: StoredSponsor, decision: VettingDecision | undefined) =>
    isVettedForMatching(doc.program, programs.get(doc.program), decision);
  const buildIndex = async () => {
    const fresh = createCandidateIndex();
    const [sponsors, decisions, inactive] = await Promise.all([profiles.allSponsors(), vetting.currentAll(), users.inactiveIds(deps.termsVersion)]);
    // In program order: each program's rows side by side (candidate-index.ts byProgram).
    for (const doc of byProgram(sponsors, (d) => d._id)) {
      // A sponsor whose address is not confirmed, or whose consent is not current, is not proposed either: no match could be made with them.
      if (!isVetted(doc, decisions.get(doc._id)) || inactive.has(doc._id)) continue;
      try {
        fresh.upsertSponsor(toSponsorProfile(doc));
      } catch (err) {
        // The message may quote the stored value: the error's name only.
        deps.logger.warn({ sponsorId: doc._id, errName: (err as Error).name }, 'sponsor left out of the index');
      }
    }
    for (const [id, n] of await deps.history.usedPlaces()) fresh.setUsedPlaces(id, n);
    fresh.prepareWeek(deps.clock().getTime());
    return fresh;
  };
  index = await buildIndex();
  deps.logger.info({ sponsors: index.size, programs: programs.size }, 'candidate index built');

  // Per sponsor, the newest reload started: an older read that finishes after
  // a newer one must not put the older profile back.
  const sponsorReloads = new Map<string, number>();
  let reloadSeq = 0;
  // Sponsors reloaded while a rebuild reads everything: reloaded again into the rebuilt index.
  let touchedDuringRebuild: Set<string> | undefined;
  const reloadSponsor = async (userId: string) => {
    touchedDuringRebuild?.add(userId);
    const mine = ++reloadSeq;
    sponsorReloads.set(userId, mine);
    const [doc, decision, active] = await Promise.all([profiles.getSponsor(userId), vetting.current(userId), users.isActive(userId, deps.termsVersion)]);
    if (sponsorReloads.get(userId) !== mine) return;
    sponsorReloads.delete(userId);
    if (doc && active && isVetted(doc, decision)) index.upsertSponsor(toSponsorProfile(doc));
    else index.removeSponsor(userId);
  };
  // The programs that do not ask for vetting: when they change, sponsors enter or leave the index.
  const vettingPrograms = () =>
    [...programs.values()]
      .filter((p) => !requiresSponsorVetting(p))
      .map((p) => p.key)
      .sort()
      .join(',');
  const reloadPrograms = async () => {
    programs = new Map((await programsRepo.list()).map((p) => [p.key, p]));
  };
  const reloadProgramsAndVetting = async () => {
    const before = vettingPrograms();
    await reloadPrograms();
    if (vettingPrograms() !== before) await rebuildIndex();
  };
  const reloadPlaces = async (userId: string) => {
    index.setUsedPlaces(userId, await deps.history.usedPlacesOf(userId));
  };

  // Newcomers are read by _id on first use and kept; a change drops the copy.
  const newcomers = new BoundedMap<string, NewcomerProfile>(100_000);
  // Bumped by every change: a read that started before a change is not cached.
  let newcomerGeneration = 0;

  const apply = async (e: ChangeEvent) => {
    if (e.kind === 'sponsor') await reloadSponsor(e.id);
    else if (e.kind === 'programs') await reloadProgramsAndVetting();
    else if (e.kind === 'places') await reloadPlaces(e.id);
    else if (e.kind === 'newcomer') {
      newcomerGeneration += 1;
      newcomers.delete(e.id);
    }
  };
  // After a gap in the feed (this instance fell behind the pruned part), every
  // cache is rebuilt from the data: the one full read of the sponsors, and rare.
  const rebuild = async () => {
    newcomerGeneration += 1;
    newcomers.clear();
    await reloadPrograms();
    await rebuildIndex();
  };
  // The index read again from the data, with the sponsors reloaded meanwhile read once more after it.
  async function rebuildIndex() {
    const touched = new Set<string>();
    touchedDuringRebuild = touched;
    try {
      const fresh = await buildIndex();
      sponsorReloads.clear();
      index = fresh;
    } finally {
      touchedDuringRebuild = undefined;
    }
    for (const id of touched) await reloadSponsor(id);
  }
  const follower = feed.follow(
    from,
    { name: `${deps.instanceId ?? 'local'}:matching-engine`, apply: (e) => apply(e), rebuild },
    { intervalMs: deps.feedIntervalMs ?? 1000 },
  );

  const weightsIn = (rules: ReadonlyMap<string, StoredProgram>, program: string): MatchingWeights => {
    const stored = rules.get(program)?.weights;
    if (!stored) return DEFAULT_WEIGHTS;
    const w = { ...DEFAULT_WEIGHTS };
    for (const f of FACTORS) if (typeof stored[f] === 'number') w[f] = stored[f];
    return w;
  };
  // `rules` is one version of the programs: a change replaces the map, never edits it.
  // Used places are the index's own: rank and explain on an index read them there.
  const contextOf = (rules: ReadonlyMap<string, StoredProgram>, on: CandidateIndex, now: Date, history: PairQuery['history']): MatchingContext => ({
    now: now.getTime(),
    programs: rules,
    weightsFor: (program) => weightsIn(rules, program),
    usedPlaces: (id) => on.usedPlaces(id),
    pairHistory: () => history,
    pairCooldownDays: deps.pairCooldownDays,
  });

  return {
    propose(newcomer, k, query) {
      const on = index;
      const result = rank(on, newcomer, contextOf(programs, on, query.now, query.history), k);
      return {
        top: result.top.map(({ sponsorId, score, reasons }) => ({ sponsor: on.getSponsor(sponsorId)!, score, reasons })),
        eligibleCount: result.eligibleCount,
        excluded: result.excluded,
      };
    },
    explain(newcomer, sponsorId, query) {
      return explain(index, newcomer, sponsorId, contextOf(programs, index, query.now, query.history));
    },
    async eligiblePairs(newcomers, histories, now) {
      const view = index.snapshot();
      const rules = programs;
      return rankEligiblePairs(view, newcomers, newcomers.map((_, i) => contextOf(rules, view, now, histories[i] ?? new Map())));
    },
    get index() {
      return index;
    },
    programs: () => programs,
    weightsFor: (program) => weightsIn(programs, program),
    context: (now, history) => contextOf(programs, index, now, history),
    async sponsorChanged(userId, by) {
      await reloadSponsor(userId);
      await feed.announce({ kind: 'sponsor', id: userId }, by);
    },
    sponsor: (userId) => index.getSponsor(userId),
    async placesChanged(userId, by) {
      await reloadPlaces(userId);
      await feed.announce({ kind: 'places', id: userId }, by);
    },
    async newcomer(userId) {
      const hit = newcomers.get(userId);
      if (hit) return hit;
      const generation = newcomerGeneration;
      const doc = await profiles.getNewcomer(userId);
      if (!doc) return undefined;
      const profile = toNewcomerProfile(doc);
      if (generation === newcomerGeneration) newcomers.set(userId, profile);
      return profile;
    },
    async newcomerChanged(userId, by) {
      newcomerGeneration += 1;
      newcomers.delete(userId);
      await feed.announce({ kind: 'newcomer', id: userId }, by);
    },
    async programsChanged(by) {
      await reloadProgramsAndVetting();
      await feed.announce({ kind: 'programs' }, by);
    },
    stop: () => follower.stop(),
  };
}
