import type { MatchHistorySource } from '../matching/match-history.source.ts';
import type { PairEvent } from '../matching/types.ts';
import type { LifecycleRepository, PairEventRecord } from './lifecycle.repository.ts';
import { untilWritten } from './retry.ts';

type Repo = Pick<LifecycleRepository, 'pairEvents' | 'appendPairEvents' | 'placesSummaries' | 'places'>;

/**
 * Adds an event to a member's pair history (their chain's next version),
 * once per key: recording again (a settling run twice, after a crash) is a no-op.
 */
export async function recordPairEvent(repo: Repo, userId: string, event: PairEventRecord): Promise<void> {
  await untilWritten("This member's history", async () => {
    const current = await repo.pairEvents(userId);
    const events = current?.state.events ?? [];
    if (events.some((e) => e.key === event.key && e.other === event.other)) return;
    await repo.appendPairEvents(userId, current?.n ?? 0, { events: [...events, event] }, 'system', event.at);
  });
}

/**
 * What the matching engine knows of pairs, from the lifecycle's own records,
 * each read by `_id` (proposals read it on every request): places in use from
 * the places chains (their summaries for the whole index, the chain itself for
 * one sponsor), and each member's pair history chain: declined, rejected,
 * expired and ended matches (a temporary match that ran to its term is not
 * "ended" here; a withdrawn one leaves no mark), and blocks in both directions.
 */
export function createPairHistory(repo: Repo): MatchHistorySource {
  return {
    async pairHistory(newcomerId) {
      const out = new Map<string, PairEvent[]>();
      for (const e of (await repo.pairEvents(newcomerId))?.state.events ?? []) {
        out.set(e.other, [...(out.get(e.other) ?? []), { kind: e.kind, at: new Date(e.at).getTime() }]);
      }
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
