import type { MatchHistorySource } from '../matching/match-history.source.ts';
import type { PairEvent } from '../matching/types.ts';
import type { LifecycleRepository } from './lifecycle.repository.ts';

/**
 * What the matching engine knows of pairs, from the lifecycle's own records:
 * places in use from the places chains (their summaries for the whole index,
 * the chain itself for one sponsor), and each newcomer's history with each
 * sponsor from the matches' chains and the blocks. A temporary match that ran
 * to its term is not "ended" here; a withdrawn one leaves no mark.
 */
export function createPairHistory(repo: Pick<LifecycleRepository, 'matchesOf' | 'status' | 'blocksOf' | 'placesSummaries' | 'places'>): MatchHistorySource {
  return {
    async pairHistory(newcomerId) {
      const out = new Map<string, PairEvent[]>();
      const add = (sponsorId: string, e: PairEvent) => out.set(sponsorId, [...(out.get(sponsorId) ?? []), e]);
      for (const m of await repo.matchesOf('newcomerId', newcomerId)) {
        const s = await repo.status(m._id);
        if (!s) continue;
        const at = new Date(s.at).getTime();
        const st = s.state.status;
        if (st === 'rejected' || st === 'declined' || st === 'expired') add(m.sponsorId, { kind: st, at });
        else if (st === 'ended' && !s.state.atTerm) add(m.sponsorId, { kind: 'ended', at });
      }
      // A block holds in both directions: whichever of the two is the newcomer.
      for (const b of await repo.blocksOf(newcomerId)) add(b.a === newcomerId ? b.b : b.a, { kind: 'blocked', at: new Date(b.at).getTime() });
      return out;
    },
    async usedPlaces() {
      const out = new Map<string, number>();
      for (const s of await repo.placesSummaries()) if (s.used > 0) out.set(s._id, s.used);
      return out;
    },
    async usedPlacesOf(sponsorId) {
      return (await repo.places(sponsorId))?.state.holders.length ?? 0;
    },
  };
}
