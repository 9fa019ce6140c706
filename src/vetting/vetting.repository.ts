import type { Connection } from 'mongoose';
import { createChain, versionId, type ChainVersion } from '../db/chain.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';
import type { VettingDecision } from './vetting-rules.ts';

/** One decision as stored: version `n` of the sponsor's vetting. */
export interface VettingRecord extends VettingDecision {
  sponsorId: string;
  n: number;
  at: Date;
  /** The coordinator (or admin) who decided. */
  by: string;
}

export interface VettingRepository {
  /** The sponsor's latest decision, if any. */
  current(sponsorId: string): Promise<VettingRecord | undefined>;
  /** Every sponsor's latest decision (bounded by the decisions ever made: read at start and for coordinators' lists). */
  currentAll(): Promise<Map<string, VettingRecord>>;
  /** Every decision about the sponsor, oldest first. */
  history(sponsorId: string): Promise<VettingRecord[]>;
  /** Records a decision after the latest one; concurrent decisions are all kept, in order, and the last one is current. */
  decide(sponsorId: string, decision: VettingDecision, by: string, at: () => Date): Promise<VettingRecord>;
  /** First decisions for sponsors written around the API (demo seed, benchmarks, test factories). */
  insertFirst(entries: ReadonlyArray<{ sponsorId: string; decision: VettingDecision }>, by: string, at: Date): Promise<void>;
}

export const SPONSOR_VETTING_COLLECTION = 'sponsor_vetting';

const toRecord = (v: ChainVersion<VettingDecision>): VettingRecord => ({
  sponsorId: v.entity,
  n: v.n,
  program: v.state.program,
  status: v.state.status,
  ...(v.state.note !== undefined ? { note: v.state.note } : {}),
  at: v.at,
  by: v.by,
});

// A chain of versions per sponsor (DATABASE.md), `<sponsorId>:<n>`, apart from
// the profile so that editing the profile keeps the decision. Each decision is
// an insert of the next _id: two coordinators deciding at once both land, one
// after the other, and nothing is overwritten.
export function createVettingRepository(conn: Connection): VettingRepository {
  const chain = createChain<VettingDecision>(conn, SPONSOR_VETTING_COLLECTION);
  const versions = conn.collection<ChainVersion<VettingDecision>>(SPONSOR_VETTING_COLLECTION);
  return atRepositoryEdge<VettingRepository>({
    async current(sponsorId) {
      const v = await chain.latest(sponsorId);
      return v ? toRecord(v) : undefined;
    },
    async currentAll() {
      const out = new Map<string, VettingRecord>();
      for await (const v of versions.find({}, { batchSize: 500 })) {
        const seen = out.get(v.entity);
        if (!seen || seen.n < v.n) out.set(v.entity, toRecord(v));
      }
      return out;
    },
    async history(sponsorId) {
      return (await chain.history(sponsorId)).map(toRecord);
    },
    async decide(sponsorId, decision, by, at) {
      return toRecord(await chain.transition(sponsorId, () => ({ state: decision, by }), at));
    },
    async insertFirst(entries, by, at) {
      if (entries.length === 0) return;
      await versions.insertMany(
        entries.map(({ sponsorId, decision }) => ({ _id: versionId(sponsorId, 1), entity: sponsorId, n: 1, state: decision, at, by })),
        { ordered: false },
      );
    },
  });
}
