import type { PairEvent } from './types.ts';

/**
 * What the match lifecycle knows about pairs: the history between a newcomer
 * and each sponsor (ended, blocked, declined, rejected) and the places each
 * sponsor has in use. The matching service reads them only through this.
 * Until matches exist (the lifecycle issue) both sources are empty: nobody is
 * blocked and every place is free.
 */
export interface MatchHistorySource {
  pairHistory(newcomerId: string): Promise<ReadonlyMap<string, readonly PairEvent[]>>;
  usedPlaces(): Promise<ReadonlyMap<string, number>>;
  /** One sponsor's places in use, as their places chain says now. */
  usedPlacesOf(sponsorId: string): Promise<number>;
}

export function createEmptyMatchHistory(): MatchHistorySource {
  return {
    pairHistory: () => Promise.resolve(new Map()),
    usedPlaces: () => Promise.resolve(new Map()),
    usedPlacesOf: () => Promise.resolve(0),
  };
}
