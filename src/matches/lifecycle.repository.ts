import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createChain, type ChainVersion } from '../db/chain.ts';
import { isDuplicateKey } from '../db/connect.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { EndReason, MatchAction, MatchRole, MatchState } from './transitions.ts';

// ---- requests ----

export type RequestKind = 'ongoing' | 'temporary';

export interface RequestDoc {
  _id: string;
  userId: string;
  kind: RequestKind;
  note?: string;
  /** The newcomer's program when they asked: whose coordinators see it. */
  program: string;
  createdAt: Date;
}

/** What a match is made of: written into the request's chain when it is linked (the commit), then as the match's own document. */
export interface MatchSeed {
  matchId: string;
  requestId: string;
  newcomerId: string;
  sponsorId: string;
  newcomerProgram: string;
  sponsorProgram: string;
  kind: RequestKind;
  origin: 'choice' | 'coordinator' | 'run';
  runId?: string;
  startState: 'pending-approval' | 'awaiting-sponsor';
  createdBy: string;
  createdRole: MatchRole;
  createdAt: Date;
}

/**
 * A request's chain (`<requestId>:<n>`): no version means open with no match.
 * `match` is the match linked to it, live until its own chain says otherwise;
 * linking one is an append, so two matches racing for one request cannot both
 * be linked.
 */
export interface RequestState {
  status: 'open' | 'closed' | 'withdrawn';
  match?: MatchSeed;
  /** Why the last version was written (linked, reopened, closed, withdrawn). */
  change: string;
}

// ---- matches ----

export interface MatchDoc extends MatchSeed {
  _id: string;
  /** Hints (plain updates, may lag behind the chain): the state and version last written, and the version whose effects were all made. */
  state: MatchState;
  n: number;
  stateAt: Date;
  settled: number;
}

/** One version of a match's status chain: the whole state after the step, and the step. */
export interface MatchStatus {
  status: MatchState;
  action: MatchAction | 'create' | 'make-ongoing' | 'flag';
  role: MatchRole;
  reason?: EndReason;
  note?: string;
  kind: RequestKind;
  /** Whether the sponsor has been asked (from awaiting-sponsor on): before that the match is not theirs to see. */
  sponsorAsked: boolean;
  /** When it became active (the first time): a temporary match's term counts from here. */
  activeSince?: Date;
  /** Members who said yes to making a temporary match ongoing. */
  ongoingYes?: Array<'newcomer' | 'sponsor'>;
  /** Something coordinators should look at (a sponsor's recovery date moved below the program's minimum). */
  flag?: 'sponsor-recovery-changed';
  /** The sponsor's counted date the flag was raised for: the same date does not flag the match again. */
  flagFor?: string;
  /** A temporary match that ended at its term: not "ended" for the pair's history. */
  atTerm?: boolean;
  /** Why a match was withdrawn without anyone of it asking. */
  cause?: 'request-withdrawn' | 'sponsor-no-longer-qualifies' | 'member-left';
  /** With `member-left`: which of the two left (the other is told). */
  leftBy?: 'newcomer' | 'sponsor';
}

// ---- places ----

export interface PlaceHolder {
  matchId: string;
  requestId: string;
  at: Date;
}
export interface PlacesState {
  capacity: number;
  holders: PlaceHolder[];
}

export interface ConcernDoc {
  _id: string;
  matchId: string;
  program: string;
  by: string;
  role: 'newcomer' | 'sponsor';
  text: string;
  at: Date;
  ack?: { by: string; at: Date };
}

/** One member's history with others, as the matching engine reads it: a chain per member, read by `_id`. */
export interface PairEventRecord {
  /** The other member (the sponsor, for events of the member as a newcomer; either, for a block). */
  other: string;
  kind: 'ended' | 'blocked' | 'declined' | 'rejected' | 'expired';
  at: Date;
  /** What recorded it (a match's id, or `block`): recording again is a no-op. */
  key: string;
}
export interface PairHistoryState {
  events: PairEventRecord[];
}

interface ClaimDoc {
  _id: string;
  requestId: string;
  at: Date;
}

interface SummaryDoc {
  _id: string;
  n: number;
  used: number;
}

export const claimIdFor = (userId: string) => `open-request:${userId}`;

/** Open ongoing requests for newcomers written around the API (demo seed, benchmarks, tests), for insertOpenRequests. */
export function openRequestDocs(newcomers: ReadonlyArray<{ _id: string; program: string }>, at: Date): RequestDoc[] {
  return newcomers.map((n) => ({ _id: randomUUID(), userId: n._id, kind: 'ongoing', program: n.program, createdAt: at }));
}

export interface LifecycleRepository {
  insertRequest(doc: RequestDoc): Promise<void>;
  /** Open requests written around the API (demo seed, benchmarks, test factories): each request with its claim. */
  insertOpenRequests(docs: readonly RequestDoc[]): Promise<void>;
  deleteRequest(id: string): Promise<void>;
  /** The claim on one open request per member: false if another request holds it. */
  claimOpenRequest(userId: string, requestId: string, at: Date): Promise<boolean>;
  openClaim(userId: string): Promise<{ requestId: string } | undefined>;
  /** Deletes the claim only if it is still this request's. */
  releaseClaim(userId: string, requestId: string): Promise<void>;
  allOpenClaims(): Promise<Array<{ userId: string; requestId: string }>>;
  request(id: string): Promise<RequestDoc | undefined>;
  requestsOf(userId: string): Promise<RequestDoc[]>;
  requestState(id: string): Promise<ChainVersion<RequestState> | undefined>;
  requestHistory(id: string): Promise<ChainVersion<RequestState>[]>;
  /** Every request's latest version, in one read of the versions (requests never changed have none). */
  latestRequestStates(): Promise<Map<string, ChainVersion<RequestState>>>;
  /** Appends version expected+1; throws an AppError `concurrent-change` if another writer took it. */
  appendRequest(id: string, expected: number, state: RequestState, by: string, at: Date): Promise<ChainVersion<RequestState>>;

  /** Writes the match's document and its first version (each at most once). */
  insertMatch(seed: MatchSeed, first: MatchStatus): Promise<void>;
  match(id: string): Promise<MatchDoc | undefined>;
  matchesOf(field: 'newcomerId' | 'sponsorId', userId: string): Promise<MatchDoc[]>;
  matchesInPrograms(programs: readonly string[] | 'all'): Promise<MatchDoc[]>;
  /** Matches whose hint is not terminal (the jobs' starting point). */
  liveByHint(): Promise<MatchDoc[]>;
  /** Matches with effects not yet made (settled < n). */
  unsettled(): Promise<MatchDoc[]>;
  status(id: string): Promise<ChainVersion<MatchStatus> | undefined>;
  statusHistory(id: string): Promise<ChainVersion<MatchStatus>[]>;
  appendStatus(id: string, expected: number, state: MatchStatus, by: string, at: Date): Promise<ChainVersion<MatchStatus>>;
  setHint(id: string, v: { n: number; state: MatchState; at: Date }): Promise<void>;
  setSettled(id: string, n: number): Promise<void>;

  places(sponsorId: string): Promise<ChainVersion<PlacesState> | undefined>;
  appendPlaces(sponsorId: string, expected: number, state: PlacesState, by: string, at: Date): Promise<ChainVersion<PlacesState>>;
  /** Before a sponsor's first place is taken: the summary row the reconciler starts from. */
  ensurePlacesSummary(sponsorId: string): Promise<void>;
  setPlacesSummary(sponsorId: string, n: number, used: number): Promise<void>;
  placesSummaries(): Promise<SummaryDoc[]>;

  pairEvents(userId: string): Promise<ChainVersion<PairHistoryState> | undefined>;
  appendPairEvents(userId: string, expected: number, state: PairHistoryState, by: string, at: Date): Promise<ChainVersion<PairHistoryState>>;

  insertConcern(doc: ConcernDoc): Promise<void>;
  concern(id: string): Promise<ConcernDoc | undefined>;
  concernsIn(programs: readonly string[] | 'all'): Promise<ConcernDoc[]>;
  /** The concerns one member filed, oldest first (their export). */
  concernsBy(userId: string): Promise<ConcernDoc[]>;
  ackConcern(id: string, by: string, at: Date): Promise<void>;
}

export const LIFECYCLE_COLLECTIONS = {
  requests: 'match_requests',
  claims: 'match_request_claims',
  requestChain: 'match_request_versions',
  matches: 'matches',
  statusChain: 'match_status',
  places: 'sponsor_places',
  placesSummary: 'sponsor_places_summary',
  pairHistory: 'pair_history',
  concerns: 'match_concerns',
  concernAcks: 'match_concern_acks',
} as const;

export function createLifecycleRepository(conn: Connection): LifecycleRepository {
  const C = LIFECYCLE_COLLECTIONS;
  const requests = conn.collection<RequestDoc>(C.requests);
  const claims = conn.collection<ClaimDoc>(C.claims);
  const requestChain = createChain<RequestState>(conn, C.requestChain);
  const matches = conn.collection<MatchDoc>(C.matches);
  const statusChain = createChain<MatchStatus>(conn, C.statusChain);
  const placesChain = createChain<PlacesState>(conn, C.places);
  const summaries = conn.collection<SummaryDoc>(C.placesSummary);
  const pairChain = createChain<PairHistoryState>(conn, C.pairHistory);
  const concerns = conn.collection<ConcernDoc>(C.concerns);
  // An acknowledgement is a claim by the concern's id: the first one stays (no conditional update).
  const acks = conn.collection<{ _id: string; by: string; at: Date }>(C.concernAcks);
  const withAcks = async (docs: ConcernDoc[]): Promise<ConcernDoc[]> => {
    if (docs.length === 0) return docs;
    const found = new Map((await acks.find({ _id: { $in: docs.map((d) => d._id) } }).toArray()).map((a) => [a._id, { by: a.by, at: a.at }]));
    return docs.map((d) => (found.has(d._id) ? { ...d, ack: found.get(d._id)! } : d));
  };

  const ignoreDuplicate = (err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
  };
  const inPrograms = (programs: readonly string[] | 'all', field: string) => (programs === 'all' ? {} : { [field]: { $in: [...programs] } });

  return atRepositoryEdge<LifecycleRepository>({
    async insertRequest(doc) {
      await requests.insertOne(doc);
    },
    async insertOpenRequests(docs) {
      if (docs.length === 0) return;
      await requests.insertMany([...docs], { ordered: false });
      await claims.insertMany(
        docs.map((d) => ({ _id: claimIdFor(d.userId), requestId: d._id, at: d.createdAt })),
        { ordered: false },
      );
    },
    async deleteRequest(id) {
      await requests.deleteOne({ _id: id });
    },
    async claimOpenRequest(userId, requestId, at) {
      try {
        await claims.insertOne({ _id: claimIdFor(userId), requestId, at });
        return true;
      } catch (err) {
        ignoreDuplicate(err);
        return false;
      }
    },
    async openClaim(userId) {
      const c = await claims.findOne({ _id: claimIdFor(userId) });
      return c ? { requestId: c.requestId } : undefined;
    },
    async releaseClaim(userId, requestId) {
      await claims.deleteOne({ _id: claimIdFor(userId), requestId });
    },
    async allOpenClaims() {
      const out: Array<{ userId: string; requestId: string }> = [];
      for await (const c of claims.find({}, { batchSize: 500 })) out.push({ userId: c._id.slice('open-request:'.length), requestId: c.requestId });
      return out;
    },
    async request(id) {
      return (await requests.findOne({ _id: id })) ?? undefined;
    },
    async requestsOf(userId) {
      return requests.find({ userId }).toArray();
    },
    requestState: (id) => requestChain.latest(id),
    requestHistory: (id) => requestChain.history(id),
    async latestRequestStates() {
      const out = new Map<string, ChainVersion<RequestState>>();
      for await (const v of conn.collection<ChainVersion<RequestState>>(C.requestChain).find({}, { batchSize: 1000 })) {
        const seen = out.get(v.entity);
        if (!seen || seen.n < v.n) out.set(v.entity, v);
      }
      return out;
    },
    appendRequest: (id, expected, state, by, at) => requestChain.append(id, expected, { state, by, reason: state.change }, at),

    async insertMatch(seed, first) {
      const doc: MatchDoc = { ...seed, _id: seed.matchId, state: first.status, n: 1, stateAt: seed.createdAt, settled: 0 };
      await matches.insertOne(doc).catch(ignoreDuplicate);
      await statusChain.append(seed.matchId, 0, { state: first, by: seed.createdBy }, seed.createdAt).catch((err: unknown) => {
        if ((err as Error).name !== 'ChainConflict') throw err;
      });
    },
    async match(id) {
      return (await matches.findOne({ _id: id })) ?? undefined;
    },
    async matchesOf(field, userId) {
      return matches.find({ [field]: userId }).toArray();
    },
    async matchesInPrograms(programs) {
      // The newcomer's program's coordinators act on a match; the sponsor's program's read it.
      if (programs === 'all') return matches.find({}).toArray();
      return matches.find({ $or: [{ newcomerProgram: { $in: [...programs] } }, { sponsorProgram: { $in: [...programs] } }] }).toArray();
    },
    async liveByHint() {
      return matches.find({ state: { $in: ['pending-approval', 'awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused'] } }).toArray();
    },
    async unsettled() {
      // FerretDB has no $expr: read the few whose hint moved since the last settling, by comparing in code.
      const out: MatchDoc[] = [];
      for await (const m of matches.find({}, { batchSize: 500 })) if (m.settled < m.n) out.push(m);
      return out;
    },
    status: (id) => statusChain.latest(id),
    statusHistory: (id) => statusChain.history(id),
    appendStatus: (id, expected, state, by, at) => statusChain.append(id, expected, { state, by, ...(state.reason ? { reason: state.reason } : {}) }, at),
    async setHint(id, v) {
      // Last writer wins, but never backwards: only a newer version moves the hint.
      await matches.updateOne({ _id: id, n: { $lt: v.n } }, { $set: { n: v.n, state: v.state, stateAt: v.at } });
    },
    async setSettled(id, n) {
      await matches.updateOne({ _id: id, settled: { $lt: n } }, { $set: { settled: n } });
    },

    places: (sponsorId) => placesChain.latest(sponsorId),
    appendPlaces: (sponsorId, expected, state, by, at) => placesChain.append(sponsorId, expected, { state, by }, at),
    async ensurePlacesSummary(sponsorId) {
      await summaries.insertOne({ _id: sponsorId, n: 0, used: 0 }).catch(ignoreDuplicate);
    },
    async setPlacesSummary(sponsorId, n, used) {
      await summaries.updateOne({ _id: sponsorId, n: { $lt: n } }, { $set: { n, used } });
    },
    async placesSummaries() {
      return summaries.find({}, { batchSize: 1000 }).toArray();
    },

    pairEvents: (userId) => pairChain.latest(userId),
    appendPairEvents: (userId, expected, state, by, at) => pairChain.append(userId, expected, { state, by }, at),

    async insertConcern(doc) {
      await concerns.insertOne(doc);
    },
    async concern(id) {
      const doc = await concerns.findOne({ _id: id });
      return doc ? (await withAcks([doc]))[0] : undefined;
    },
    async concernsIn(programs) {
      return withAcks(await concerns.find(inPrograms(programs, 'program')).sort({ at: 1 }).toArray());
    },
    async concernsBy(userId) {
      return withAcks(await concerns.find({ by: userId }).sort({ at: 1, _id: 1 }).toArray());
    },
    async ackConcern(id, by, at) {
      await acks.insertOne({ _id: id, by, at }).catch(ignoreDuplicate);
    },
  });
}
