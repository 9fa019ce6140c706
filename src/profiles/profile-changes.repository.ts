import type { Connection } from 'mongoose';
import { createChain } from '../db/chain.ts';
import { atRepositoryEdge } from '../db/repository-edge.ts';

/** What each claim holds: the times of the member's latest limited changes, oldest first, this one last. */
export interface ProfileChangeState {
  recent: Date[];
}

export interface ProfileChangesRepository {
  /**
   * Claims the member's next change: `decide` gets the times the latest claim
   * holds and returns those the new claim keeps, or throws to refuse. Two
   * writers racing for one claim cannot both take it: the loser reads the
   * winner's claim and decides again.
   */
  claim(userId: string, decide: (recent: readonly Date[]) => Date[], at: Date): Promise<void>;
  /** When the member made each limited change, oldest first (every claim they took). */
  history(userId: string): Promise<Date[]>;
}

export const PROFILE_CHANGES_COLLECTION = 'profile_changes';

// Each change is claim `profile-change:<userId>:<n>`, inserted by _id after
// claim n-1 (DATABASE.md's chain of versions): every instance agrees on the
// count without a counter, and only one writer can take the third place.
export function createProfileChangesRepository(conn: Connection): ProfileChangesRepository {
  const chain = createChain<ProfileChangeState>(conn, PROFILE_CHANGES_COLLECTION);
  return atRepositoryEdge<ProfileChangesRepository>({
    async claim(userId, decide, at) {
      await chain.transition(`profile-change:${userId}`, (current) => ({ state: { recent: decide(current?.state.recent ?? []) }, by: userId }), () => at);
    },
    async history(userId) {
      return (await chain.history(`profile-change:${userId}`)).map((v) => v.at);
    },
  });
}
